//go:build !race

package main

// raceEnabled lets load tests scale down under the race detector.
const raceEnabled = false
