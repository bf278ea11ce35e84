package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	const rev = "7d484dc1a2b3c4d5e6f708192a3b4c5d6e7f8091"
	for _, tc := range []struct {
		name     string
		info     *debug.BuildInfo
		override string
		want     buildVersion
	}{
		{"no build information", nil, "", buildVersion{Version: "devel"}},
		{"plain go build without VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", buildVersion{Version: "devel"}},
		{"go build in a clean checkout",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201075823-7d484dc1a2b3"},
				Settings: vcs("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-01T07:58:23Z", "vcs.modified", "false")},
			"", buildVersion{Version: "v0.0.0-20261201075823-7d484dc1a2b3", Commit: rev, Date: "2026-12-01T07:58:23Z"}},
		{"go build with uncommitted changes",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201075823-7d484dc1a2b3+dirty"},
				Settings: vcs("vcs.revision", rev, "vcs.time", "2026-12-01T07:58:23Z", "vcs.modified", "true")},
			"", buildVersion{Version: "v0.0.0-20261201075823-7d484dc1a2b3+dirty", Commit: rev + "-dirty", Date: "2026-12-01T07:58:23Z"}},
		{"go install module@latest (pseudo-version, no vcs stamps)",
			&debug.BuildInfo{Main: debug.Module{Path: "github.com/hsi-top/hsi-top", Version: "v0.0.0-20261201075823-7d484dc1a2b3"}},
			"", buildVersion{Version: "v0.0.0-20261201075823-7d484dc1a2b3", Commit: "7d484dc1a2b3", Date: "2026-12-01T07:58:23Z"}},
		{"go install of a pseudo-version after a tag",
			&debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261201075823-7d484dc1a2b3"}},
			"", buildVersion{Version: "v1.2.4-0.20261201075823-7d484dc1a2b3", Commit: "7d484dc1a2b3", Date: "2026-12-01T07:58:23Z"}},
		{"go install module@v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "", buildVersion{Version: "v1.2.3"}},
		{"-ldflags -X main.version wins over the module version",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", rev)},
			"v2.0.0", buildVersion{Version: "v2.0.0", Commit: rev}},
	} {
		got := versionFromBuildInfo(tc.info, tc.override)
		got.Go = ""
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestVersionLine(t *testing.T) {
	v := buildVersion{Version: "v1.2.3", Commit: "abc-dirty", Date: "2026-12-01T07:58:23Z", Go: "go1.26.8 linux/amd64"}
	if got, want := v.String(), "hsi-top v1.2.3 (commit abc-dirty, 2026-12-01T07:58:23Z, go1.26.8 linux/amd64)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := (buildVersion{Version: "devel", Go: "go1.26.8 linux/amd64"}).String(), "hsi-top devel (commit unknown, date unknown, go1.26.8 linux/amd64)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// A binary built with go build inside a git checkout names that checkout's commit and
// its date (go build stamps them; nothing else is needed). The checkout is a new
// repository holding this working tree's files in one commit of a known date.
func TestVersionNamesTheCommitOfACheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on the PATH")
	}
	const commitDate = "2026-01-02T03:04:05Z"
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(gitPath, append([]string{"-C", dir, "-c", "user.name=hsi-top test", "-c", "user.email=test@example.invalid"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE="+commitDate, "GIT_AUTHOR_DATE="+commitDate)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	files, err := exec.Command(gitPath, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skip("not inside a git checkout")
	}
	src := filepath.Join(t.TempDir(), "src")
	copyFiles(t, strings.Split(strings.TrimSuffix(string(files), "\x00"), "\x00"), src)
	git(src, "init", "-q")
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "snapshot of the working tree")
	head := git(src, "rev-parse", "HEAD")

	bin := filepath.Join(t.TempDir(), "hsi-top")
	build := exec.Command(goPath, "build", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true", "CGO_CFLAGS=-Wno-deprecated-declarations")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	line := strings.TrimSpace(string(out))
	if want := "(commit " + head + ", " + commitDate + ", "; !strings.Contains(line, want) {
		t.Errorf("--version = %q, want it to contain %q", line, want)
	}
	if !strings.HasPrefix(line, "hsi-top v0.0.0-20260102030405-"+head[:12]+" ") {
		t.Errorf("--version = %q, want the pseudo-version Go derives from the commit", line)
	}
}

// copyFiles copies the named files (relative to the current directory) under dir.
func copyFiles(t *testing.T, names []string, dir string) {
	t.Helper()
	for _, name := range names {
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // tracked but deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
