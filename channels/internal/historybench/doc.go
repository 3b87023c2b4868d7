// Package historybench measures what topic history costs on publish
// throughput and publish-to-delivery latency, for the in-process, Redis
// and NATS brokers, each with and without history, in one run:
//
//	go test -run '^$' -bench . ./channels/internal/historybench
//
// It has no API; see bench_test.go.
package historybench
