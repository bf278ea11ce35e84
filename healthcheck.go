package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHealthURL is where `hsi-top healthcheck` looks without an argument: the
// default --serve port, from inside the same host or container.
const defaultHealthURL = "http://127.0.0.1:8089/healthz"

// healthTimeout bounds the whole request, so a wedged server fails the check instead of
// hanging it.
const healthTimeout = 5 * time.Second

// runHealthcheck is `hsi-top healthcheck [URL]`: GET URL (a host:port or a URL without a
// path means its /healthz) and exit 0 on 200, 2 on any other answer or none, 3 on a bad
// URL. It prints one line either way, which Docker keeps in the container's health log.
func runHealthcheck(args []string, stdout, stderr io.Writer) int {
	target := defaultHealthURL
	if len(args) > 0 {
		target = args[0]
	}
	u, err := healthURL(target)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: healthcheck: %v\n", err)
		return exitUnknown
	}
	client := &http.Client{Timeout: healthTimeout}
	resp, err := client.Get(u)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: healthcheck %s: %v\n", u, err)
		return exitCritical
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	line := strings.Join(strings.Fields(string(body)), " ")
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "hsi-top: healthcheck %s: %s %s\n", u, resp.Status, line)
		return exitCritical
	}
	fmt.Fprintf(stdout, "hsi-top: healthcheck %s: %s %s\n", u, resp.Status, line)
	return exitOK
}

// healthURL turns the healthcheck argument into the URL to GET: "host:port" and
// "http://host:port" mean http://host:port/healthz; a URL with a path is used as it is.
func healthURL(arg string) (string, error) {
	if !strings.Contains(arg, "://") {
		arg = "http://" + arg
	}
	u, err := url.Parse(arg)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL or host:port: %v", arg, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q: the scheme must be http or https", arg)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q names no host", arg)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/healthz"
	}
	return u.String(), nil
}
