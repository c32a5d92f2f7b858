package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Watch follows the index for a replica: it LISTENs for the version Sync
// notifies and also polls the version row every PollInterval (so a lost
// notification, a dropped connection or a server that does not deliver
// notifications to other connections only delays a reload). On a new
// version it reloads the cached description and calls changed. It returns
// when ctx ends.
func (s *Store) Watch(ctx context.Context, changed func(version int64)) error {
	notes := make(chan struct{}, 1)
	go s.listen(ctx, notes)
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	// The version last reported, rather than whether this Reload moved
	// it: a Search or a Sync of this process may have reloaded first.
	last := s.Version()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-notes:
		case <-tick.C:
		}
		_, err := s.Reload(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			s.log.Warn("checking the index version failed; trying again", "err", err)
		case s.Version() != last:
			last = s.Version()
			if changed != nil {
				changed(last)
			}
		}
	}
}

// listenRetry is how long the listener waits before connecting again.
const listenRetry = 30 * time.Second

// listen holds a connection of its own (a LISTEN outlives any pooled use)
// and signals notes on every notification, reconnecting after failures.
func (s *Store) listen(ctx context.Context, notes chan<- struct{}) {
	warned := false
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, notes)
		if ctx.Err() != nil {
			return
		}
		if !warned {
			s.log.Warn("listening for index changes failed; polling the version meanwhile", "err", err, "poll", s.opts.PollInterval)
			warned = true
		} else {
			s.log.Debug("listening for index changes failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(listenRetry):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, notes chan<- struct{}) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{notifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("wait for a notification: %w", err)
		}
		select {
		case notes <- struct{}{}:
		default: // a reload is already due
		}
	}
}
