package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A message payload is JSON, the same bytes for every contender, padded to
// the requested size:
//
//	{"t":"<send time, 19 digits of Unix ns>","i":"<sequence, 10 digits>","p":"xxx…"}
//
// Receivers find every occurrence of the marker in a frame, so a contender
// that packs several messages into one frame (centrifuge) is counted per
// message.
var marker = []byte(`{"t":"`)

const (
	tDigits    = 19
	iDigits    = 10
	minPayload = len(`{"t":"`) + tDigits + len(`","i":"`) + iDigits + len(`","p":"`) + len(`"}`)
)

// newPayload returns a payload buffer of size bytes (at least minPayload).
func newPayload(size int) []byte {
	if size < minPayload {
		size = minPayload
	}
	b := make([]byte, 0, size)
	b = append(b, marker...)
	b = append(b, bytes.Repeat([]byte("0"), tDigits)...)
	b = append(b, `","i":"`...)
	b = append(b, bytes.Repeat([]byte("0"), iDigits)...)
	b = append(b, `","p":"`...)
	b = append(b, bytes.Repeat([]byte("x"), size-minPayload)...)
	b = append(b, `"}`...)
	return b
}

// stamp writes the send time and sequence number into p.
func stamp(p []byte, seq uint32) {
	putDigits(p[len(marker):len(marker)+tDigits], uint64(time.Now().UnixNano()))
	off := len(marker) + tDigits + len(`","i":"`)
	putDigits(p[off:off+iDigits], uint64(seq))
}

func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

func getDigits(src []byte) uint64 {
	var v uint64
	for _, c := range src {
		v = v*10 + uint64(c-'0')
	}
	return v
}

// scan calls fn with the send time and sequence of every payload in frame.
// size is the payload size, used to skip the padding.
func scan(frame []byte, size int, fn func(sent int64, seq uint32)) int {
	n := 0
	for {
		k := bytes.Index(frame, marker)
		if k < 0 || len(frame)-k < minPayload {
			return n
		}
		f := frame[k+len(marker):]
		sent := int64(getDigits(f[:tDigits]))
		off := tDigits + len(`","i":"`)
		seq := uint32(getDigits(f[off : off+iDigits]))
		fn(sent, seq)
		n++
		skip := k + size
		if skip > len(frame) {
			return n
		}
		frame = frame[skip:]
	}
}

// proto is how a client talks to a contender: plain messages, or
// centrifuge's JSON client protocol around the same payloads.
type proto interface {
	// hello runs after the handshake; sub says the connection receives the
	// fan-out.
	hello(c *wsConn, sub bool) error
	// echo and publish wrap payload p into the message to send.
	echo(dst []byte, id uint32, p []byte) []byte
	publish(dst []byte, id uint32, p []byte) []byte
	// control handles a frame that carries no payload (such as a
	// centrifuge ping), answering it when needed.
	control(c *wsConn, frame []byte) error
}

func protoFor(impl string) proto {
	if impl == "centrifuge" {
		return centrifugeProto{}
	}
	return plainProto{}
}

type plainProto struct{}

func (plainProto) hello(*wsConn, bool) error                     { return nil }
func (plainProto) echo(dst []byte, _ uint32, p []byte) []byte    { return append(dst[:0], p...) }
func (plainProto) publish(dst []byte, _ uint32, p []byte) []byte { return append(dst[:0], p...) }
func (plainProto) control(*wsConn, []byte) error                 { return nil }

// centrifugeProto speaks centrifuge's JSON protocol: commands
// {"id":N,"connect":{}}, {"id":N,"subscribe":{"channel":"fanout"}},
// {"id":N,"rpc":{"data":…}} and {"id":N,"publish":{"channel":"fanout","data":…}};
// replies and pushes may be several to a frame, one per line; an empty
// object {} is a ping, answered with {}.
type centrifugeProto struct{}

func (centrifugeProto) hello(c *wsConn, sub bool) error {
	if err := c.writeText([]byte(`{"id":1,"connect":{"name":"bench"}}`)); err != nil {
		return err
	}
	if err := centrifugeAwait(c, `{"id":1,`); err != nil {
		return fmt.Errorf("centrifuge connect: %w", err)
	}
	if !sub {
		return nil
	}
	if err := c.writeText([]byte(`{"id":2,"subscribe":{"channel":"fanout"}}`)); err != nil {
		return err
	}
	if err := centrifugeAwait(c, `{"id":2,`); err != nil {
		return fmt.Errorf("centrifuge subscribe: %w", err)
	}
	return nil
}

// centrifugeAwait reads until a reply starting with prefix arrives.
func centrifugeAwait(c *wsConn, prefix string) error {
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.nc.SetReadDeadline(time.Time{})
	for {
		_, f, err := c.read()
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(f, []byte("\n")) {
			if bytes.HasPrefix(line, []byte(prefix)) {
				if bytes.Contains(line, []byte(`"error"`)) {
					return errors.New(string(line))
				}
				return nil
			}
		}
	}
}

func (centrifugeProto) echo(dst []byte, id uint32, p []byte) []byte {
	dst = append(dst[:0], `{"id":`...)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, `,"rpc":{"data":`...)
	dst = append(dst, p...)
	return append(dst, `}}`...)
}

func (centrifugeProto) publish(dst []byte, id uint32, p []byte) []byte {
	dst = append(dst[:0], `{"id":`...)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, `,"publish":{"channel":"fanout","data":`...)
	dst = append(dst, p...)
	return append(dst, `}}`...)
}

func (centrifugeProto) control(c *wsConn, f []byte) error {
	for _, line := range bytes.Split(f, []byte("\n")) {
		if string(bytes.TrimSpace(line)) == "{}" {
			return c.writeText([]byte("{}"))
		}
	}
	return nil
}
