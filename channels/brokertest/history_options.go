package brokertest

import (
	"context"
	"errors"
	"testing"

	"github.com/nexogo/nexo/channels"
)

// historyOptions: the per-publish history options agree with the
// broker's policy. NoHistory on a topic with history and SaveHistory on
// one without are refused, and store nothing; agreeing ones publish.
func historyOptions(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 10)
	b := newBroker(t, p)
	ctx := context.Background()
	plain := "other:" + tp
	done := make(chan struct{}, 4)
	sub := channels.SubscriberFunc(func(m *channels.Message) { done <- struct{}{} })
	if err := b.Subscribe(ctx, tp, &sub); err != nil {
		t.Fatal(err)
	}
	defer b.Unsubscribe(ctx, tp, &sub)

	if err := channels.Publish(ctx, b, tp, "skip me", channels.NoHistory()); !errors.Is(err, channels.ErrHistoryOption) {
		t.Fatalf("NoHistory on a topic with history: %v, want ErrHistoryOption", err)
	}
	if err := channels.Publish(ctx, b, plain, "keep me", channels.SaveHistory()); !errors.Is(err, channels.ErrNoHistory) {
		t.Fatalf("SaveHistory on a topic without history: %v, want ErrNoHistory", err)
	}
	if err := channels.Publish(ctx, b, plain, "transient", channels.NoHistory()); err != nil {
		t.Fatalf("NoHistory on a topic without history: %v", err)
	}
	if err := channels.Publish(ctx, b, tp, "kept", channels.SaveHistory()); err != nil {
		t.Fatalf("SaveHistory on a topic with history: %v", err)
	}
	<-done
	rec, err := b.Recover(ctx, tp, channels.RecoverQuery{Last: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Messages
	if len(got) != 1 || string(got[0].Data) != "kept" || rec.Position.Offset != 1 {
		t.Fatalf("history after the refused publish: %d messages at %v, want only \"kept\" at offset 1", len(got), rec.Position)
	}
}
