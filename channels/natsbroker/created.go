package natsbroker

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// errSubjectsOverlap is the server's answer to the creation of a stream
// whose subjects another stream takes; nats.go names no constant for it.
const errSubjectsOverlap jetstream.ErrorCode = 10065

// maxCreateAttempts bounds the attempts to create a stream or a bucket
// that other instances are creating at the same moment.
const maxCreateAttempts = 3

// createdMeanwhile reports whether err is the server's refusal of a stream
// creation because the same stream was being created at that moment (by
// another instance that started, or used a new topic, at once): it answers
// "subjects overlap with an existing stream" or "stream name already in
// use" although the two creations are the same. Asked again, it has the
// stream.
func createdMeanwhile(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) &&
		(api.ErrorCode == errSubjectsOverlap || api.ErrorCode == jetstream.JSErrCodeStreamNameInUse)
}
