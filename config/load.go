package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Loaded is a configuration with where its values came from, for `hsi-top config`.
type Loaded struct {
	Config Config
	// File is the config file read, or "" when none was.
	File string
	// EnvFile is the .env file read, or "".
	EnvFile string
	// EnvVars names the environment variables that set a value (names only, never values).
	EnvVars []string
	// Origins says, per key (interval, postgres.dsn, alerts.rules.host_cpu.warning), which
	// layer set it: "FILE:LINE", a variable ("HSI_INTERVAL", "DATABASE_URL in .env") or a
	// flag ("--interval"). A key set by no layer has its default and no entry.
	Origins map[string]string
}

// Options say where to look for configuration.
type Options struct {
	// File is --config; when empty the default search path is tried.
	File string
	// EnvFile is --env-file: the stack's .env, read as environment variables.
	EnvFile string
	// Getenv reads the process environment; os.Getenv when nil.
	Getenv func(string) string
	// SearchPath overrides DefaultSearchPath (tests).
	SearchPath []string
}

// DefaultSearchPath is where a config file is looked for when --config is not given.
func DefaultSearchPath(getenv func(string) string) []string {
	paths := []string{"hsi-top.yaml"}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		paths = append(paths, filepath.Join(x, "hsi-top", "config.yaml"))
	} else if h := getenv("HOME"); h != "" {
		paths = append(paths, filepath.Join(h, ".config", "hsi-top", "config.yaml"))
	}
	return append(paths, "/etc/hsi-top/config.yaml")
}

// Load builds the configuration from the defaults, a config file, the stack's .env file
// and the environment. Flags are applied by the caller afterwards, then Validate.
func Load(opts Options) (*Loaded, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	l := &Loaded{Config: Default(), Origins: map[string]string{}}
	path := opts.File
	if path == "" {
		search := opts.SearchPath
		if search == nil {
			search = DefaultSearchPath(getenv)
		}
		for _, p := range search {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		if err := DecodeYAML(path, data, &l.Config); err != nil {
			return nil, err
		}
		recordFileOrigins(path, data, l.Origins)
		l.File = path
	}
	env := map[string]string{}
	if opts.EnvFile != "" {
		f, err := os.Open(opts.EnvFile)
		if err != nil {
			return nil, fmt.Errorf("env file: %w", err)
		}
		vars, err := ParseDotEnv(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("env file %s: %w", opts.EnvFile, err)
		}
		env = vars
		l.EnvFile = opts.EnvFile
	}
	lookup := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return env[name]
	}
	origin := func(name string) string {
		if getenv(name) == "" && env[name] != "" {
			return name + " in " + opts.EnvFile
		}
		return name
	}
	l.EnvVars = applyEnv(&l.Config, lookup, func(name, key string) { l.Origins[key] = origin(name) })
	return l, nil
}

// Set records that a command-line flag set key (after Load, before Validate).
func (l *Loaded) Set(key, flag string) {
	if l.Origins == nil {
		l.Origins = map[string]string{}
	}
	l.Origins[key] = flag
}

// Validate completes and checks the configuration: an interval set without a
// source_timeout brings a timeout that fits it (DefaultSourceTimeout), and each error
// names the layer its value came from.
func (l *Loaded) Validate() error {
	if _, set := l.Origins["source_timeout"]; !set {
		l.Config.SourceTimeout = Duration(DefaultSourceTimeout(l.Config.Interval.D()))
	}
	return l.Config.validateFrom(l.origin)
}

// origin names the layer that set key or, for a key whose own entries are deeper
// (alerts.rules.host_cpu), the first of those; "" for a default.
func (l *Loaded) origin(key string) string {
	if o, ok := l.Origins[key]; ok {
		return o
	}
	var deeper []string
	for k := range l.Origins {
		if strings.HasPrefix(k, key+".") {
			deeper = append(deeper, k)
		}
	}
	if len(deeper) == 0 {
		return ""
	}
	sort.Strings(deeper)
	return l.Origins[deeper[0]]
}

// recordFileOrigins notes "file:line" for every value the (already checked) YAML sets.
func recordFileOrigins(file string, data []byte, out map[string]string) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return
	}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				key := prefix + k.Value
				out[key] = fmt.Sprintf("%s:%d", file, k.Line)
				walk(v, key+".")
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(item, fmt.Sprintf("%s[%d].", strings.TrimSuffix(prefix, "."), i))
			}
		}
	}
	walk(root.Content[0], "")
}

// DecodeYAML decodes a config file strictly into cfg (which holds the defaults). An
// unknown key is an error naming the file, the line and the closest valid key; a value
// of the wrong type names the key and the value.
func DecodeYAML(file string, data []byte, cfg *Config) error {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file changes nothing
		}
		return fmt.Errorf("%s: %v", file, err)
	}
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil // a document with nothing in it
	}
	if doc.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: the config must be a mapping of keys (interval: 5s, …)", file, doc.Line)
	}
	if err := checkNode(file, doc, reflect.TypeOf(*cfg), ""); err != nil {
		return err
	}
	if err := doc.Decode(cfg); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}

// checkNode walks a YAML mapping against a struct type, rejecting unknown keys and
// checking that scalar values fit their fields, so errors carry file, line and key.
func checkNode(file string, n *yaml.Node, t reflect.Type, prefix string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%s:%d: %s: expected a mapping of keys, got %q", file, n.Line, strings.TrimSuffix(prefix, "."), n.Value)
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f
			names = append(names, tag)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("%s:%d: unknown key %q", file, k.Line, prefix+k.Value)
				if c := closest(k.Value, names); c != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", prefix+c)
				}
				sort.Strings(names)
				return fmt.Errorf("%s; valid keys here: %s", msg, strings.Join(names, ", "))
			}
			if err := checkNode(file, v, f.Type, prefix+k.Value+"."); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s:%d: %s: expected a list", file, n.Line, strings.TrimSuffix(prefix, "."))
		}
		for i, item := range n.Content {
			if err := checkNode(file, item, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(prefix, "."), i)); err != nil {
				return err
			}
		}
	default:
		key := strings.TrimSuffix(prefix, ".")
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s:%d: %s: expected a single value", file, n.Line, key)
		}
		target := reflect.New(t)
		if err := n.Decode(target.Interface()); err != nil {
			msg := err.Error()
			if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "yaml:") {
				msg = fmt.Sprintf("%q is not a valid %s", n.Value, kindName(t))
			}
			return fmt.Errorf("%s:%d: %s: %s", file, n.Line, key, msg)
		}
		if f := target.Elem(); f.CanFloat() && (math.IsNaN(f.Float()) || math.IsInf(f.Float(), 0)) {
			return fmt.Errorf("%s:%d: %s: %q is not a finite number (a level can never be compared with it)", file, n.Line, key, n.Value)
		}
	}
	return nil
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	}
	return t.Kind().String()
}

// closest returns the candidate nearest to s by edit distance, or "" when none is close.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance (a transposition costs one).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// YAML returns the configuration as YAML with every secret redacted.
func (c Config) YAML() ([]byte, error) { return yaml.Marshal(c) }
