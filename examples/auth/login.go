package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
)

// checkPassword knows the demo users. It compares SHA-256 sums in constant
// time; a real application stores salted, slow hashes (bcrypt, argon2) in
// a database.
func checkPassword(name, pass string) bool {
	var want string
	switch name {
	case "ada":
		want = "lovelace"
	case "alan":
		want = "turing"
	}
	got, exp := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1 && want != ""
}

// The login and logout endpoints take the form fields "name" and
// "password". A page that asks for JSON (Accept: application/json, as the
// example's page does with fetch) gets JSON and a status it can show
// inline; a form posted without JavaScript gets a redirect back to the
// page, with ?login=failed when refused; any other client gets the status
// and a line of text.

// loginHandler starts a session when the name and password match.
func loginHandler(s *sessions) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		if !checkPassword(name, r.PostFormValue("password")) {
			refuse(w, r, http.StatusUnauthorized, "wrong name or password", "/?login=failed")
			return
		}
		if err := s.Login(w, name); err != nil {
			slog.Error("auth: login", slog.Any("err", err))
			refuse(w, r, http.StatusInternalServerError, "cannot log in", "/?login=error")
			return
		}
		done(w, r, map[string]string{"name": name})
	}
}

// logoutHandler ends the request's session everywhere: its cookie is
// cleared, and every socket of the session, on every instance, is closed
// with 4401.
func logoutHandler(s *sessions) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.Logout(w, r); err != nil {
			// Ended here; other instances may not know yet.
			slog.Error("auth: logout", slog.Any("err", err))
			refuse(w, r, http.StatusServiceUnavailable, "logged out here; other servers could not be told, try again", "/?logout=error")
			return
		}
		done(w, r, map[string]string{})
	}
}

// wantsJSON reports whether the client asked for a JSON answer.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// done answers a successful form: JSON, or a redirect to the page.
func done(w http.ResponseWriter, r *http.Request, v any) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, v)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// refuse answers a failed form: JSON with the message, a redirect to
// page for a browser's plain form post, or the status with the message.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg, page string) {
	switch {
	case wantsJSON(r):
		writeJSON(w, status, map[string]string{"error": msg})
	case strings.Contains(r.Header.Get("Accept"), "text/html"):
		http.Redirect(w, r, page, http.StatusSeeOther)
	default:
		http.Error(w, msg, status)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
