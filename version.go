package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// version overrides the module version of the build information when set at build time
// with -ldflags "-X main.version=v1.2.3" (release scripts); empty means "ask the binary".
var version = ""

// buildVersion is what --version prints: the version, the commit and its date, and the
// toolchain. Every field comes from the binary's own build information, so it needs no
// release script.
type buildVersion struct {
	Version string // module version (v1.2.3, a pseudo-version) or "devel"
	Commit  string // VCS revision, with "-dirty" for uncommitted changes; "" when unknown
	Date    string // the commit's time, RFC 3339 UTC; "" when unknown
	Go      string // toolchain and platform, e.g. "go1.26.8 linux/amd64"
}

// readBuildVersion reads the running binary's build information.
func readBuildVersion() buildVersion {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionFromBuildInfo(info, version)
}

// versionFromBuildInfo derives the version from Go's build information (nil when the
// binary has none) and an -ldflags override (empty when none).
//
// Where each field comes from:
//   - go build inside a git checkout: Go stamps vcs.revision, vcs.time and vcs.modified
//     (and, since Go 1.24, a pseudo-version as the module version);
//   - go install module@version: no vcs.* stamps, but a pseudo-version
//     (v0.0.0-20261201075823-7d484dc1a2b3) names the commit and its time, and a tagged
//     version names itself;
//   - go build -buildvcs=false, or outside a checkout: "(devel)" and nothing else, printed
//     as "devel".
//
// Go records no wall-clock build time (builds are reproducible), so the date is the
// commit's.
func versionFromBuildInfo(info *debug.BuildInfo, override string) buildVersion {
	v := buildVersion{Version: "devel", Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if info != nil {
		if mv := info.Main.Version; mv != "" && mv != "(devel)" {
			v.Version = mv
		}
		if info.GoVersion != "" {
			v.Go = info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
		}
		v.Commit, v.Date = vcsStamp(info.Settings)
		if v.Commit == "" {
			v.Commit, v.Date = pseudoVersionStamp(strings.TrimSuffix(v.Version, "+dirty"))
		}
	}
	if override != "" {
		v.Version = override
	}
	return v
}

// vcsStamp returns the revision (with "-dirty" when the tree had uncommitted changes)
// and the commit time that go build stamps from a VCS checkout.
func vcsStamp(settings []debug.BuildSetting) (commit, date string) {
	dirty := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if commit != "" && dirty {
		commit += "-dirty"
	}
	return commit, date
}

// pseudoVersionStamp returns the short revision and the time a pseudo-version encodes
// (go install module@commit or @latest on an untagged branch); "" for other versions.
func pseudoVersionStamp(v string) (commit, date string) {
	if !module.IsPseudoVersion(v) {
		return "", ""
	}
	rev, err := module.PseudoVersionRev(v)
	if err != nil {
		return "", ""
	}
	if t, err := module.PseudoVersionTime(v); err == nil {
		date = t.UTC().Format(time.RFC3339)
	}
	return rev, date
}

// String is the one line --version prints, e.g.
// "hsi-top v0.0.0-20261201075823-7d484dc1a2b3 (commit 7d484dc1a2b3…, 2026-12-01T07:58:23Z, go1.26.8 linux/amd64)".
func (v buildVersion) String() string {
	commit, date := v.Commit, v.Date
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "date unknown"
	}
	return fmt.Sprintf("hsi-top %s (commit %s, %s, %s)", v.Version, commit, date, v.Go)
}
