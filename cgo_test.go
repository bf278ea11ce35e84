package main

// cgoEnabled is set by a cgo-only file: the demo simulates GPUs only in cgo builds.
var cgoEnabled = false
