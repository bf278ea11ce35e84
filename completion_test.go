package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// completionScript runs `hsi-top completion SHELL` and writes the script to a file.
func completionScript(t *testing.T, shell string) (script, path string) {
	t.Helper()
	code, stdout, stderr := runCLI("completion", shell)
	if code != exitOK || stderr != "" {
		t.Fatalf("completion %s: exit %d, stderr %q", shell, code, stderr)
	}
	path = filepath.Join(t.TempDir(), "hsi-top."+shell)
	if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return stdout, path
}

// Every flag and every subcommand is in each shell's script, in that shell's syntax.
func TestCompletionNamesEveryFlagAndSubcommand(t *testing.T) {
	spellings := map[string]func(name string) string{
		"bash": func(n string) string { return " --" + n },
		"zsh":  func(n string) string { return "'--" + n + "[" },
		"fish": func(n string) string { return " -l " + n + " " },
	}
	docs := flagDocs()
	if len(docs) < 10 {
		t.Fatalf("flagDocs found %d flags; the flag set has more", len(docs))
	}
	for _, shell := range completionShells {
		script, _ := completionScript(t, shell)
		for _, d := range docs {
			if want := spellings[shell](d.name); !strings.Contains(script, want) {
				t.Errorf("%s script lacks --%s (%q)", shell, d.name, want)
			}
		}
		for _, c := range subcommands {
			if !strings.Contains(script, c.name) {
				t.Errorf("%s script lacks the subcommand %s", shell, c.name)
			}
		}
	}
}

func TestCompletionRejectsUnknownShell(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		code, _, stderr := runCLI(args...)
		if code != exitUnknown || !strings.Contains(stderr, "bash, zsh, fish") && !strings.Contains(stderr, "unexpected argument") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// The bash script completes flags, files after --config, the shells after completion, and
// subcommands only where one may stand.
func TestBashCompletionCompletes(t *testing.T) {
	bash := lookTool(t, "bash")
	_, path := completionScript(t, "bash")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "site.yaml"), nil, 0o644)
	for _, tc := range []struct{ line, want string }{
		{"hsi-top --conf", "--config"},
		{"hsi-top --no", "--no-color"},
		{"hsi-top ", "config demo healthcheck completion man rules snooze"},
		{"hsi-top --config " + filepath.Join(dir, "si"), filepath.Join(dir, "site.yaml")},
		{"hsi-top completion ", "bash zsh fish"},
		{"hsi-top completion f", "fish"},
		{"hsi-top --serve ", ""},
		{"hsi-top --serve --ver", "--version"},
		{"hsi-top --interval ", ""},
		{"hsi-top man ", ""},
	} {
		// The line's words as bash splits them, the last one being completed.
		words := strings.Split(tc.line, " ")
		prog := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); _hsi_top; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, append([]string{"-c", prog, "bash", path}, words...)...).Output()
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("%q completes to %q, want %q", tc.line, got, tc.want)
		}
	}
}

// fish, where installed, loads the script and completes with it (complete -C asks what
// a line would complete to).
func TestFishCompletionCompletes(t *testing.T) {
	fish := lookTool(t, "fish")
	_, path := completionScript(t, "fish")
	for _, tc := range []struct{ line, want string }{
		{"hsi-top --conf", "--config\tconfig FILE"},
		{"hsi-top heal", "healthcheck\texit 0 when"},
		{"hsi-top completion z", "zsh"},
	} {
		out, err := exec.Command(fish, "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", path, tc.line).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.line, err, out)
		}
		if !strings.HasPrefix(string(out), tc.want) {
			t.Errorf("%q completes to %q, want it to start with %q", tc.line, out, tc.want)
		}
	}
}

// zsh, where installed, parses the script and completes with it: an interactive zsh on
// a pseudo-terminal (zsh/zpty) loads compinit and the script, a line and a tab are typed,
// and the screen must show the completion.
func TestZshCompletionCompletes(t *testing.T) {
	zsh := lookTool(t, "zsh")
	_, path := completionScript(t, "zsh")
	if out, err := exec.Command(zsh, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	// zpty -r with a pattern reads until the pattern shows; the context bounds a miss.
	const drive = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='%% '; autoload -U compinit; compinit -u -D; source ${(q)3}"
zpty -w -n z "$1"$'\t'
zpty -r z out "*$2*" && print -r -- matched`
	for _, tc := range []struct{ line, want string }{
		// zsh writes only what completion adds: "--conf", a bell, "ig" (--con is --connect too).
		{"hsi-top --conf", "--conf*ig"},
		{"hsi-top completion ", "bash*fish*zsh"},
		{"hsi-top ", "healthcheck*-- exit 0 when"},
		{"hsi-top --serve 127.0.0.1:9 --no", "--no*-color"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, zsh, "-f", "-c", drive, "zsh", tc.line, tc.want, path).Output()
		cancel()
		if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "matched") {
			t.Errorf("%q: zsh never showed %q (%v)", tc.line, tc.want, err)
		}
	}
}

// The man page names every flag and subcommand, and where mandoc or groff is
// installed, it renders without a warning.
func TestManPage(t *testing.T) {
	var b bytes.Buffer
	writeManPage(&b, buildVersion{Version: "v1.2.3", Date: "2026-12-01T07:58:23Z"})
	page := b.String()
	if !strings.HasPrefix(page, `.\"`) || !strings.Contains(page, `.TH HSI\-TOP 1 "2026-12-01" "hsi\-top v1.2.3"`) {
		t.Errorf("header:\n%.300s", page)
	}
	for _, d := range flagDocs() {
		if want := ".B" + map[bool]string{true: "I", false: ""}[d.arg != ""] + ` \-\-` + roffEscape(d.name); !strings.Contains(page, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	for _, c := range subcommands {
		if !strings.Contains(page, ".B "+roffEscape(c.name)) {
			t.Errorf("man page lacks the subcommand %s", c.name)
		}
	}
	for _, name := range []string{"HSI_API_KEY", "DATABASE_URL", "NO_COLOR"} {
		if !strings.Contains(page, name) {
			t.Errorf("ENVIRONMENT lacks %s", name)
		}
	}
	path := filepath.Join(t.TempDir(), "hsi-top.1")
	os.WriteFile(path, b.Bytes(), 0o644)
	if mandoc, err := exec.LookPath("mandoc"); err == nil {
		if out, err := exec.Command(mandoc, "-T", "lint", "-W", "warning", path).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("mandoc -T lint: %v\n%s", err, out)
		}
	}
	if groff, err := exec.LookPath("groff"); err == nil {
		if out, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", path).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("groff -ww: %v\n%s", err, out)
		}
	}
}

func TestRoffEscape(t *testing.T) {
	for in, want := range map[string]string{
		"--once":     `\-\-once`,
		`a\b`:        `a\eb`,
		".hidden":    `\&.hidden`,
		"'quote":     `\&'quote`,
		"REDIS, …":   `REDIS, \[u2026]`,
		"plain text": "plain text",
	} {
		if got := roffEscape(in); got != want {
			t.Errorf("roffEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every subcommand is in --help, and every subcommand --help names is in the table the
// completion scripts and the man page are generated from.
func TestHelpListsSubcommands(t *testing.T) {
	_, _, stderr := runCLI("--help")
	for _, c := range subcommands {
		if !strings.Contains(stderr, "hsi-top "+c.name) {
			t.Errorf("--help lacks %q", "hsi-top "+c.name)
		}
	}
	usage, _, _ := strings.Cut(usageText, "Flags:")
	for _, line := range strings.Split(usage, "\n") {
		words := strings.Fields(line)
		if !strings.HasPrefix(line, "  hsi-top ") || len(words) < 2 || strings.HasPrefix(words[1], "-") || strings.HasPrefix(words[1], "[") {
			continue
		}
		if findSubcommand(words[1]) == nil {
			t.Errorf("--help shows %q, which the subcommands table (commands.go) lacks, so completion and the man page miss it", words[1])
		}
	}
}

// lookTool returns the path of a program a test drives. scripts/test.sh installs every
// such program, so under CI a missing one fails the test instead of skipping it.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: scripts/test.sh installs it, and CI must not pass by skipping", name)
		}
		t.Skipf("%s is not installed (scripts/test.sh installs it)", name)
	}
	return path
}
