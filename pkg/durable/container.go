package durable

import (
	"context"
	"net/http"
)

// Container is the container of one Durable Object instance, as
// ctx.container sees it. pkg/containers implements it on a Docker Engine.
type Container interface {
	// Running is true from Start until the container has exited.
	Running() bool
	// Start launches the container in the background. It fails at once
	// (with the platform's "there is no container instance..." text) when
	// the class has no capacity left.
	Start(opts StartOptions) error
	// Monitor returns a waiter bound to the current run: nil when the
	// container exits with code 0, else an error whose message the
	// @cloudflare/containers package recognises.
	Monitor() func(ctx context.Context) error
	// Signal sends a signal number to the container's main process.
	Signal(sig int) error
	// Destroy kills the container and waits until it is gone.
	Destroy(ctx context.Context) error
	// Transport reaches the container's TCP port (getTcpPort(port).fetch).
	Transport(port int) http.RoundTripper
}

// StartOptions are ctx.container.start()'s options.
type StartOptions struct {
	Env            map[string]string
	Entrypoint     []string
	EnableInternet bool
	Labels         map[string]string
}

// Containers gives each object of a class its container.
type Containers interface {
	// For returns the container of the object (class, id), or nil when the
	// class is not backed by containers.
	For(class, id string) Container
}
