package middleware_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/nexogo/nexo/middleware"
)

// Rotating the signing key without logging anyone out: the old key stays
// in RetiredKeys until the cookies it signed have expired.
func ExampleCookieOptions_rotation() {
	type account struct{ Name string }
	oldKey := []byte("the key of last month, 32 bytes!")
	newKey := []byte("the key of this month, 32 bytes!")
	lastMonth := middleware.NewCookieStore[account](oldKey, nil, middleware.CookieOptions{})
	store := middleware.NewCookieStore[account](newKey, nil, middleware.CookieOptions{
		RetiredKeys: []middleware.CookieKeys{{Hash: oldKey}},
	})

	rec := httptest.NewRecorder()
	lastMonth.Save(rec, account{Name: "ada"}) // a cookie the browser still has
	r := httptest.NewRequest("GET", "/ws", nil)
	r.AddCookie(rec.Result().Cookies()[0])
	a, err := store.Load(r) // what SessionAuth(store, ...) reads at the handshake
	fmt.Println(a.Name, err)
	// Output: ada <nil>
}
