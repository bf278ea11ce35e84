//go:build !(linux && (amd64 || arm64))

package residency

import "errors"

// Trim is for Linux on amd64 and arm64; elsewhere it only says so.
func Trim() (int, error) {
	return 0, errors.New("trimming the binary's resident pages is only built for Linux on amd64 and arm64")
}

// TrimLibraries is for Linux on amd64 and arm64; elsewhere it only says so.
func TrimLibraries() (int, error) {
	return 0, errors.New("trimming the shared libraries' resident pages is only built for Linux on amd64 and arm64")
}
