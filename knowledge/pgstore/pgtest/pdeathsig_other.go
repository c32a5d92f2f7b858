//go:build !linux

package pgtest

import "os/exec"

func setParentDeathSignal(*exec.Cmd) {}
