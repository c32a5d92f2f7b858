//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

import "errors"

// lockFile is not available without flock(2): removeStaleTemps then
// removes only temp snapshots too old to belong to a running save.
func lockFile(path string, exclusive bool) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}
