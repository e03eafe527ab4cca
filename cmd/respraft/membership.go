package main

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/respraft/respraft/cluster"
	"github.com/respraft/respraft/config"
	"github.com/respraft/respraft/fsm"
)

// join asks the member at addr (its client port) to add this node, until
// it succeeds or ctx ends. Joining again with the same id and address is a
// no-op on the leader, so a restarted node simply asks again.
func join(ctx context.Context, log *slog.Logger, addr, id, clusterAddr string) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := joinOnce(addr, id, clusterAddr)
		if err == nil {
			log.Info("joined the cluster", "via", addr, "id", id, "cluster_addr", clusterAddr, "attempts", attempt,
				"took", time.Since(start).Round(time.Millisecond))
			return
		}
		if attempt == 1 || attempt%20 == 0 {
			log.Warn("join not accepted yet, retrying", "via", addr, "err", err, "attempt", attempt)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func joinOnce(addr, id, clusterAddr string) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(35 * time.Second))
	_, err = roundTrip(conn, bufio.NewReader(conn), "RAFT.NODE", "ADD", id, clusterAddr)
	return err
}

// announce makes this node's client address part of the replicated state
// (fsm.EntryMeta), so every node can report where the leader's RESP port
// is. It re-checks every few seconds: a restore from an older snapshot, or
// a changed address, is corrected.
func announce(ctx context.Context, log *slog.Logger, svc *cluster.Service, machine *fsm.FSM, id, clientAddr string) {
	wait := 20 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if machine.ClientAddrs()[id] == clientAddr {
			wait = 5 * time.Second
			continue
		}
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := svc.Apply(actx, fsm.EncodeMeta(id, clientAddr))
		cancel()
		if err != nil {
			log.Debug("client address not announced yet", "err", err)
			wait = 200 * time.Millisecond
			continue
		}
		log.Info("announced client address", "id", id, "client_addr", clientAddr)
	}
}

// clientAdvertise is the client address other nodes report for this one:
// the advertised cluster host with the client port.
func clientAdvertise(cfg *config.Config) string {
	host, _, err := net.SplitHostPort(cfg.AdvertiseAddr())
	if err != nil {
		host = cfg.Bind
	}
	return net.JoinHostPort(host, strconv.Itoa(cfg.Port))
}
