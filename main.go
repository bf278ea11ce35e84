// Command hsi-top is a terminal dashboard for the GPU box that runs the AI home-security
// pipeline; with --serve it feeds the existing web page over WebSocket instead.
//
// Exit codes follow the monitoring-plugin convention: 0 ok, 1 warning, 2 critical,
// 3 unknown (bad usage, bad configuration, failure to run).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/hsi-top/hsi-top/config"
)

// Exit codes (monitoring-plugin convention).
const (
	exitOK       = 0
	exitWarning  = 1
	exitCritical = 2
	exitUnknown  = 3
)

const usageText = `hsi-top — a terminal dashboard for the AI home-security GPU box

Usage:
  hsi-top [flags]                 the terminal dashboard
  hsi-top --once [--json]         collect, wait one interval so rates are real, print, exit
  hsi-top --serve [ADDR]          headless: serve /ws/system, REST and /metrics (default 127.0.0.1:8089)
  hsi-top --replay FILE [--speed N]  play a --record recording or incident bundle in the dashboard
  hsi-top --connect URL [--api-key KEY]  the dashboard on a remote --serve (ws://box:8089/ws/system)
  hsi-top config                  print the effective configuration (secrets redacted) and its origins
  hsi-top demo [--serve|--once]   the same on a built-in simulated stack (recorded responses, two simulated GPUs)
  hsi-top healthcheck [URL]       exit 0 when a --serve answers /healthz (default http://127.0.0.1:8089/healthz)
  hsi-top completion SHELL        print the completion script for bash, zsh or fish
  hsi-top man                     print the manual page (roff: hsi-top man | man -l -)
  hsi-top rules --format prometheus  the alert rules as a Prometheus alerting-rules file
  hsi-top snooze [RULE[:OBJECT] DURATION|ack|off]  silence an alert's notifications (no arguments: list)

Flags:
`

const exitText = `
Exit status (monitoring-plugin convention, so scripts and cron can tell an alert from a mistake):
  0 ok, no alert active    1 a warning alert is active    2 a critical alert is active
  3 unknown: bad usage, bad configuration, or failure to run
--once exits with the status of the alerts it saw; the dashboard and --serve exit 0 when quit.

Environment: the stack's own variables are read (` + "`--env-file .env`" + ` reads its .env file):
  DATABASE_URL REDIS_URL REDIS_PASSWORD RTDETR_URL YOLO26_URL NEMOTRON_URL AI_VLM_URL
  FRONTEND_URL PROMETHEUS_URL BACKEND_URL RTDETR_API_KEY YOLO26_API_KEY NEMOTRON_API_KEY
  and HSI_-prefixed versions of each, which win; HSI_API_KEY protects --serve.
NO_COLOR set, or --no-color, draws without colour.
`

type cliFlags struct {
	configFile string
	envFile    string
	interval   time.Duration
	once       bool
	json       bool
	serve      bool
	serveAddr  string
	listen     string
	noColor    bool
	theme      string
	version    bool
	format     string
	demo       bool // hsi-top demo: the simulated stack
	record     string
	replay     string
	speed      float64
	connect    string
	apiKey     string
	subcommand string
	subArgs    []string // the words after the subcommand
}

// usageError is a mistake on the command line: exit 3 with a one-line reason.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlagSet defines hsi-top's flags on f; --help, the completion scripts and the man
// page are generated from the same definitions.
func newFlagSet(f *cliFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("hsi-top", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.configFile, "config", "", "config `FILE` (default: ./hsi-top.yaml, $XDG_CONFIG_HOME/hsi-top/config.yaml, /etc/hsi-top/config.yaml)")
	fs.StringVar(&f.envFile, "env-file", "", "read the stack's .env `FILE` for DATABASE_URL, REDIS_URL, … ")
	fs.DurationVar(&f.interval, "interval", 0, "collection `interval` (default 5s, minimum 1s)")
	fs.BoolVar(&f.once, "once", false, "collect, wait one interval, print a summary and exit with the alert status")
	fs.BoolVar(&f.json, "json", false, "with --once: print the snapshot as JSON")
	fs.BoolVar(&f.serve, "serve", false, "headless: serve the web page's feed on ADDR (positional, default from config)")
	fs.StringVar(&f.listen, "listen", "", "with the dashboard: also serve the feed on `ADDR`")
	fs.BoolVar(&f.noColor, "no-color", false, "draw without colour (also: NO_COLOR set)")
	fs.StringVar(&f.theme, "theme", "", "palette: `auto` (ask the terminal), dark or light (default from ui.theme)")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.StringVar(&f.format, "format", "", "with rules: the output `FORMAT` (prometheus)")
	fs.StringVar(&f.record, "record", "", "append every snapshot to `FILE` as NDJSON (gzip when it ends in .gz; rotated at 256 MiB, 3 kept)")
	fs.StringVar(&f.replay, "replay", "", "play a recording or incident bundle `FILE` in the dashboard (←/→ seek 1m, [ ] 10m)")
	fs.Float64Var(&f.speed, "speed", 1, "with --replay: play `N` times faster than recorded")
	fs.StringVar(&f.connect, "connect", "", "the dashboard on a remote --serve's feed at `URL` (ws://box:8089/ws/system or http://box:8089)")
	fs.StringVar(&f.apiKey, "api-key", "", "with --connect: the remote's API `KEY`, sent as X-API-Key (default: $HSI_API_KEY)")
	return fs
}

func parseFlags(args []string, stderr io.Writer) (*cliFlags, error) {
	f := &cliFlags{}
	fs := newFlagSet(f)
	// The flag package prints the whole usage on any mistake; a mistake gets one line
	// instead, and the usage is printed for --help only.
	fs.Usage = func() {}
	// Flags may follow the positional words (hsi-top --serve ADDR --config FILE): the
	// flag package stops at the first word, so parse again after each one.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stderr, usageText)
				fs.SetOutput(stderr)
				fs.PrintDefaults()
				fmt.Fprint(stderr, exitText)
				return nil, flag.ErrHelp
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) > 0 && rest[0] == "demo" {
		f.demo, rest = true, rest[1:] // demo combines with --serve ADDR and --once
	}
	switch {
	case f.serve && len(rest) > 0:
		f.serveAddr, rest = rest[0], rest[1:]
	case len(rest) > 0 && rest[0] == "config":
		f.subcommand, rest = "config", rest[1:]
	case len(rest) > 0 && findSubcommand(rest[0]) != nil:
		f.subcommand, f.subArgs, rest = rest[0], rest[1:], nil
		if err := findSubcommand(f.subcommand).checkArgs(f.subArgs); err != nil {
			return nil, err
		}
	}
	if len(rest) > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q (see --help)", rest[0])}
	}
	if intervalSet(fs) && f.interval < time.Second {
		return nil, usageError{fmt.Sprintf("--interval %s is below the minimum of 1s", f.interval)}
	}
	if f.json && !f.once {
		return nil, usageError{"--json needs --once"}
	}
	if f.once && f.serve {
		return nil, usageError{"--once and --serve cannot be combined"}
	}
	if f.listen != "" && (f.once || f.serve) {
		return nil, usageError{"--listen is for the dashboard; --serve takes its address directly"}
	}
	if err := checkRulesFlags(f); err != nil {
		return nil, err
	}
	if err := checkRemoteFlags(f); err != nil {
		return nil, err
	}
	return f, nil
}

// intervalSet reports whether --interval was given (its zero value is a mistake then,
// not "unset").
func intervalSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "interval" })
	return set
}

func main() {
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// profiled runs fn under a CPU profile written to $HSI_CPUPROFILE when that is set: the
// way to see where hsi-top's own CPU goes (scripts/overhead.sh measures how much).
// $HSI_ALLOCPROFILE names a file for the profile of what fn allocated, sampled every
// 4 KiB, written when fn returns: what makes the garbage collector run.
func profiled(fn func() int) int {
	if path := os.Getenv("HSI_ALLOCPROFILE"); path != "" {
		fn = allocProfiled(path, fn)
	}
	path := os.Getenv("HSI_CPUPROFILE")
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hsi-top: HSI_CPUPROFILE: %v\n", err)
		return exitUnknown
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "hsi-top: HSI_CPUPROFILE: %v\n", err)
		return exitUnknown
	}
	defer pprof.StopCPUProfile()
	return fn()
}

// allocProfiled returns fn writing the allocation profile to path when it returns.
func allocProfiled(path string, fn func() int) func() int {
	return func() int {
		runtime.MemProfileRate = 4 << 10
		code := fn()
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "hsi-top: HSI_ALLOCPROFILE: %v\n", err)
		}
		return code
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	if f.version {
		fmt.Fprintln(stdout, readBuildVersion())
		return exitOK
	}
	if code, ran := runTool(f, stdout, stderr); ran {
		return code
	}
	loaded, err := loadConfig(f)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	if f.subcommand == "config" {
		return printConfig(loaded, stdout, stderr)
	}
	if f.subcommand == "rules" {
		return printRules(loaded.Config, stdout, stderr)
	}
	if f.subcommand == "snooze" {
		return runSnooze(loaded.Config, f.subArgs, time.Now(), stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.demo {
		cfg, stopDemo, err := startDemo(loaded.Config, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "hsi-top: %v\n", err)
			return exitUnknown
		}
		defer stopDemo()
		loaded.Config = cfg
		// The simulated stack's history must not end up in the real state file.
		loaded.Config.StateDir = demoStateDir()
	}
	if f.record != "" {
		stopRecording, err := startRecording(f.record, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "hsi-top: %v\n", err)
			return exitUnknown
		}
		defer stopRecording()
	}
	switch {
	case f.once:
		return runOnce(ctx, loaded.Config, f.json, stdout, stderr)
	case f.serve:
		return runServe(ctx, loaded.Config, stderr)
	}
	if f.replay != "" {
		return runReplay(ctx, loaded.Config, f, stdout, stderr)
	}
	if f.connect != "" {
		return runConnect(ctx, loaded.Config, f, stdout, stderr)
	}
	if file, ok := stdout.(*os.File); !ok || !term.IsTerminal(int(file.Fd())) {
		fmt.Fprintln(stderr, "hsi-top: standard output is not a terminal, so there is no dashboard to draw; use --once (or --once --json) for a report, or --serve for the feed")
		return exitUnknown
	}
	return runDashboard(ctx, loaded.Config, f, stderr)
}

func loadConfig(f *cliFlags) (*config.Loaded, error) {
	loaded, err := config.Load(config.Options{File: f.configFile, EnvFile: f.envFile})
	if err != nil {
		return nil, err
	}
	c := &loaded.Config
	if f.interval != 0 {
		c.Interval = config.Duration(f.interval)
		loaded.Set("interval", "--interval")
	}
	if f.serveAddr != "" {
		c.Serve.Addr = f.serveAddr
	}
	if f.listen != "" {
		c.Serve.Addr = f.listen
	}
	if f.noColor {
		c.UI.NoColor = true
	}
	if f.theme != "" {
		c.UI.Theme = f.theme
	}
	if err := loaded.Validate(); err != nil {
		return nil, err // each line names the layer (file:line, variable, flag) it came from
	}
	return loaded, nil
}

func printConfig(l *config.Loaded, stdout, stderr io.Writer) int {
	out, err := l.Config.YAML()
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: config: %v\n", err)
		return exitUnknown
	}
	file := l.File
	if file == "" {
		file = "(none found; defaults)"
	}
	fmt.Fprintf(stdout, "# config file: %s\n", file)
	if l.EnvFile != "" {
		fmt.Fprintf(stdout, "# env file: %s\n", l.EnvFile)
	}
	if len(l.EnvVars) > 0 {
		fmt.Fprintf(stdout, "# environment variables applied: %v\n", l.EnvVars)
	} else {
		fmt.Fprintln(stdout, "# environment variables applied: none")
	}
	fmt.Fprintln(stdout, "# secrets are shown as ***")
	stdout.Write(out)
	return exitOK
}
