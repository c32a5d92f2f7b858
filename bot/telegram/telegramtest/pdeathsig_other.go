//go:build !linux

package telegramtest

import "os/exec"

func setParentDeathSignal(*exec.Cmd) {}
