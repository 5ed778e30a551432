package workerd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/valet-dev/valet/pkg/sched"
)

// LogLine is one line workerd wrote: a console call of the worker, or a
// message of workerd itself (an uncaught exception, a warning).
type LogLine struct {
	Time    time.Time
	Level   string // log, info, debug, warn, error
	Message string
	Source  string // workerd's source location for its own messages; "" for console output
}

// Process is one running workerd serving one version of the app.
type Process struct {
	cmd     *exec.Cmd
	sockets string // the directory of the http and control sockets
	done    chan struct{}
	err     error // set before done closes

	mu   sync.Mutex
	tail []string // the last lines, for errors

	// Cluster mode: closed once workerd reports its cluster port, and the
	// address to reach it at then.
	clusterBound chan struct{}
	clusterAddr  string
}

// StartOptions say what to run and where.
type StartOptions struct {
	Binary string // the workerd executable
	Config *Config
	// Dir holds config.capnp; the modules' paths may be anywhere.
	Dir string
	// SocketDir holds the http and control sockets. Unix socket paths are
	// limited to about 100 bytes, so it should be short (see ShortDir).
	SocketDir string
	// Logs receives every line workerd writes.
	Logs func(LogLine)
	// Ready bounds the wait for the worker to load (and, in cluster mode,
	// for the instance to join its cluster); 0: 30 s.
	Ready time.Duration
	// ClusterAddr and ClusterAdvertise override the config's cluster
	// address and advertised address for this process (workerd's
	// --cluster-addr and --cluster-advertise): the config stays the same on
	// every instance, each binding its own host's private address.
	ClusterAddr      string
	ClusterAdvertise string
}

// Start writes the config, starts workerd and waits until the worker has
// loaded: its modules evaluated and its control entrypoint answering. A
// worker that throws at load is an error here, carrying workerd's message.
// A config without valet's control worker (Config.Control) is not waited
// for.
func Start(ctx context.Context, opts StartOptions) (*Process, error) {
	cfgPath, err := opts.Config.Write(opts.Dir)
	if err != nil {
		return nil, err
	}
	// The sockets are bound here and handed over: connections made before
	// workerd is ready wait in the backlog instead of failing.
	httpL, err := listenUnix(filepath.Join(opts.SocketDir, "http.sock"))
	if err != nil {
		return nil, err
	}
	defer httpL.Close()
	httpF, err := httpL.File()
	if err != nil {
		return nil, fmt.Errorf("workerd socket: %w", err)
	}
	defer httpF.Close()
	args := []string{"serve", "--experimental", "--socket-fd", SocketHTTP + "=3"}
	files := []*os.File{httpF}
	control := opts.Config.Control != ""
	if control {
		ctlL, err := listenUnix(filepath.Join(opts.SocketDir, "control.sock"))
		if err != nil {
			return nil, err
		}
		defer ctlL.Close()
		ctlF, err := ctlL.File()
		if err != nil {
			return nil, fmt.Errorf("workerd socket: %w", err)
		}
		defer ctlF.Close()
		args = append(args, "--socket-fd", SocketControl+"=4")
		files = append(files, ctlF)
	}
	cluster := opts.Config.Cluster
	var events *os.File
	if cluster != nil {
		bind := opts.ClusterAddr
		if bind == "" {
			bind = cluster.Address
		}
		if bind == "" {
			return nil, fmt.Errorf("workerd cluster: no address for the cluster port (Cluster.Address or StartOptions.ClusterAddr)")
		}
		if opts.ClusterAddr != "" {
			args = append(args, "--cluster-addr", opts.ClusterAddr)
		}
		if opts.ClusterAdvertise != "" {
			args = append(args, "--cluster-advertise", opts.ClusterAdvertise)
		}
		// workerd reports the port its cluster listener bound on its
		// control descriptor: the readiness probe needs it when the
		// address asks for any port (:0).
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("workerd control pipe: %w", err)
		}
		defer w.Close()
		events = r
		args = append(args, "--control-fd", fmt.Sprint(3+len(files)))
		files = append(files, w)
		opts.ClusterAddr = bind
	}

	cmd := exec.Command(opts.Binary, append(args, filepath.Base(cfgPath))...)
	cmd.Dir = filepath.Dir(cfgPath)
	cmd.ExtraFiles = files
	cmd.Env = processEnv()
	for k, v := range opts.Config.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, cluster.env()...)
	// Its own process group: a Ctrl-C on valet's terminal reaches valet,
	// which stops workerd in order, rather than both at once.
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	// valet's own threads yield to workerd's (pkg/sched): it is
	// forked from a thread that does not, or it would inherit that.
	if err := sched.Normal(cmd.Start); err != nil {
		if events != nil {
			events.Close()
		}
		return nil, fmt.Errorf("start workerd %s: %w", opts.Binary, err)
	}
	p := &Process{cmd: cmd, sockets: opts.SocketDir, done: make(chan struct{}), clusterBound: make(chan struct{})}
	if events != nil {
		host := probeHost(opts.ClusterAddr)
		go func() {
			defer events.Close()
			var once sync.Once
			readControl(events, func(port int) {
				once.Do(func() {
					p.clusterAddr = clusterAddr(host, port)
					close(p.clusterBound)
				})
			})
		}()
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); p.readLogs(stdout, opts.Logs) }()
	go func() { defer readers.Done(); p.readLogs(stderr, opts.Logs) }()
	go func() {
		readers.Wait()
		err := cmd.Wait()
		p.err = exitError(err)
		close(p.done)
	}()

	if !control {
		// Without valet's control worker there is nothing to ping: the
		// first request finds out whether the worker loaded.
		return p, nil
	}
	wait := opts.Ready
	if wait == 0 {
		wait = 30 * time.Second
	}
	rctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := p.ping(rctx); err != nil {
		_ = p.Stop(context.Background())
		return nil, p.loadError(err)
	}
	if cluster != nil {
		if err := p.waitReady(rctx); err != nil {
			_ = p.Stop(context.Background())
			return nil, fmt.Errorf("the worker did not join its cluster: %v\n%s", err, strings.Join(p.Tail(), "\n"))
		}
	}
	return p, nil
}

func listenUnix(path string) (*net.UnixListener, error) {
	_ = os.Remove(path)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("workerd socket %s: %w", path, err)
	}
	// The file is removed with the directory, not by Close, which would
	// unlink it under workerd.
	l.SetUnlinkOnClose(false)
	return l, nil
}

// processEnv is valet's environment minus what would change workerd's
// behaviour behind the config's back: WORKERD_* settings, and the AWS_*
// variables that fill in an s3:// cluster bucket's settings the config
// leaves out (a user's shell AWS_ENDPOINT_URL or AWS_SESSION_TOKEN must
// not redirect or sign the cluster's requests).
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "WORKERD_") || strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("workerd was killed by %v", ws.Signal())
		}
		return fmt.Errorf("workerd exited with code %d", ee.ExitCode())
	}
	return err
}

// HTTPSocket is the unix socket where the app's worker answers.
func (p *Process) HTTPSocket() string { return filepath.Join(p.sockets, "http.sock") }

// ControlSocket is the unix socket of valet's control worker.
func (p *Process) ControlSocket() string { return filepath.Join(p.sockets, "control.sock") }

// Done is closed when workerd has exited; Err then says why.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is why workerd exited (nil before).
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Pid is workerd's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop asks workerd to stop (SIGTERM), and kills it if it has not exited
// when ctx ends.
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// Kill stops workerd at once (SIGKILL) and waits for it to exit. Unlike
// Stop, it leaves the SQLite files of its Durable Objects as they are: a
// workerd stopping gracefully checkpoints them as it closes them, under a
// lock that makes another process opening the same objects at that moment
// fail with SQLITE_BUSY. Every write it confirmed is already in them.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Control returns a client of the control worker.
func (p *Process) Control() *http.Client {
	return unixClient(p.ControlSocket())
}

func unixClient(socket string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 8,
	}}
}

// ping asks the control worker to reach the app's worker; it answers once
// every module of the worker evaluated.
func (p *Process) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://valet/ping", nil)
	if err != nil {
		return err
	}
	type result struct {
		resp *http.Response
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		resp, err := p.Control().Do(req)
		ch <- result{resp, err}
	}()
	select {
	case <-p.done:
		return p.err
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		defer r.resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(r.resp.Body, 64<<10))
		if r.resp.StatusCode != http.StatusOK {
			return errors.New(strings.TrimSpace(string(body)))
		}
		return nil
	}
}

// loadError is the error of a worker that did not load, with what workerd
// said about it.
func (p *Process) loadError(err error) error {
	p.mu.Lock()
	lines := append([]string(nil), p.tail...)
	p.mu.Unlock()
	var b strings.Builder
	b.WriteString("the worker did not start")
	if err != nil && err.Error() != "" {
		b.WriteString(": " + err.Error())
	}
	if len(lines) > 0 {
		b.WriteString("\n" + strings.Join(lines, "\n"))
	}
	return errors.New(b.String())
}

// Tail returns workerd's last lines (at most 20).
func (p *Process) Tail() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tail...)
}

func (p *Process) readLogs(r io.Reader, sink func(LogLine)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := parseLogLine(sc.Text())
		p.mu.Lock()
		p.tail = append(p.tail, line.Message)
		if len(p.tail) > 20 {
			p.tail = p.tail[len(p.tail)-20:]
		}
		p.mu.Unlock()
		if sink != nil {
			sink(line)
		}
	}
}

// parseLogLine reads one line of workerd's structured logging; anything
// else (a crash message) is kept as an error line.
func parseLogLine(s string) LogLine {
	var j struct {
		Timestamp json.RawMessage `json:"timestamp"`
		Level     string          `json:"level"`
		Message   string          `json:"message"`
		Source    string          `json:"source"`
	}
	if strings.HasPrefix(s, "{") && json.Unmarshal([]byte(s), &j) == nil && j.Level != "" {
		return LogLine{Time: parseTimestamp(j.Timestamp), Level: j.Level, Message: j.Message, Source: j.Source}
	}
	return LogLine{Time: time.Now(), Level: "error", Message: s, Source: "workerd"}
}

func parseTimestamp(raw json.RawMessage) time.Time {
	s := strings.Trim(string(raw), `"`)
	var ms int64
	if _, err := fmt.Sscan(s, &ms); err != nil || ms == 0 {
		return time.Now()
	}
	return time.UnixMilli(ms)
}

// Scheduled runs the worker's scheduled handler for cron at t (the zero
// time: now) and returns workerd's outcome of it: "ok", or how it ended
// ("exception", "exceededCpu", ...). err is set when the event could not
// be delivered.
func (p *Process) Scheduled(ctx context.Context, cron string, t time.Time) (outcome string, err error) {
	u := "http://valet/scheduled?cron=" + urlQuery(cron)
	if !t.IsZero() {
		u += "&time=" + fmt.Sprint(t.UnixMilli())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := p.Control().Do(req)
	if err != nil {
		return "", fmt.Errorf("scheduled event: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r struct {
		Outcome string `json:"outcome"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil || r.Outcome == "" {
		return "", fmt.Errorf("scheduled event: %s", strings.TrimSpace(string(body)))
	}
	return r.Outcome, nil
}

// ControlObject hands one Durable Object over (op "release" of grant
// epoch: the answer says its alarm) or has this process own it (op "wake":
// its alarm is set in this process).
func (p *Process) ControlObject(ctx context.Context, class, id, op string, epoch uint64) ([]byte, error) {
	return controlObject(p.Control())(ctx, class, id, op, epoch)
}

// AdvanceClock moves the clock of the bundled modules the config runs under
// TEST_CLOCK (Config.Clocks) by d, for tests: cron triggers plan, and queues
// and workflows act, as if d had passed. It returns once each module has
// (cron: re-armed every schedule) and answers their JSON replies.
func (p *Process) AdvanceClock(ctx context.Context, d time.Duration) ([]json.RawMessage, error) {
	u := "http://valet/clock?advance=" + fmt.Sprint(d.Milliseconds())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.Control().Do(req)
	if err != nil {
		return nil, fmt.Errorf("advance the clock: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out []json.RawMessage
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		return nil, fmt.Errorf("advance the clock: %s", strings.TrimSpace(string(body)))
	}
	return out, nil
}
