//go:build linux && race

package rawio

import "syscall"

// The race detector learns that a socket carries data from one goroutine to another
// through package syscall: its Write releases, and its Read acquires, one sync object.
// Raw calls skip that, so under the detector each raw write is preceded, and each raw
// read followed, by an empty syscall.Write or syscall.Read on the same socket, which
// moves no data and makes the same annotation. Builds without -race have neither.

func raceReleaseMerge(fd uintptr) { syscall.Write(int(fd), nil) }

func raceAcquire(fd uintptr) { syscall.Read(int(fd), nil) }
