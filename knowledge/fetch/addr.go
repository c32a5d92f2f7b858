package fetch

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Resolver looks up a host name's addresses. *net.Resolver satisfies it;
// tests pass a map so that a name can resolve to a private address.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var (
	metadataV4 = netip.MustParseAddr("169.254.169.254")
	metadataV6 = netip.MustParseAddr("fd00:ec2::254")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
)

var blocked = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a reserved address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (ULA) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// checkAddr says why a is not a public address, or returns nil.
func checkAddr(a netip.Addr) *RefusedError {
	a = a.Unmap().WithZone("")
	if a == metadataV4 || a == metadataV6 {
		return &RefusedError{Addr: a, Reason: "the cloud metadata address"}
	}
	// A NAT64 address carries an IPv4 address that the gateway will reach.
	if nat64.Contains(a) {
		b := a.As16()
		if r := checkAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != nil {
			return &RefusedError{Addr: a, Reason: r.Reason}
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return &RefusedError{Addr: a, Reason: b.reason}
		}
	}
	return nil
}

// dialer connects only to public addresses unless allowPrivate is set. It
// resolves the name itself and checks every address it dials, so neither a
// redirect to a private address nor a name that resolves to one (DNS
// rebinding included) gets through: the check is on the address actually
// dialled. The Control hook repeats the check on the socket's address as a
// second line of defence.
type dialer struct {
	resolver     Resolver
	allowPrivate bool
	exempt       []netip.Prefix
	net          net.Dialer
}

func newDialer(r Resolver, allowPrivate bool, exempt []netip.Prefix) *dialer {
	d := &dialer{resolver: r, allowPrivate: allowPrivate, exempt: exempt}
	if d.resolver == nil {
		d.resolver = net.DefaultResolver
	}
	d.net.Control = d.control
	return d
}

func (d *dialer) control(network, address string, _ syscall.RawConn) error {
	if d.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	return d.check(ap.Addr())
}

// check refuses a non-public address that no exemption covers.
func (d *dialer) check(a netip.Addr) error {
	if d.allowPrivate {
		return nil
	}
	r := checkAddr(a)
	if r == nil {
		return nil
	}
	for _, p := range d.exempt {
		if p.Contains(a.Unmap().WithZone("")) {
			return nil
		}
	}
	return r
}

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		ipNet := "ip"
		switch network {
		case "tcp4":
			ipNet = "ip4"
		case "tcp6":
			ipNet = "ip6"
		}
		addrs, err = d.resolver.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("no address for %s", host)
		}
	}
	var firstErr error
	for _, a := range addrs {
		if err := d.check(a); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		conn, err := d.net.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}
