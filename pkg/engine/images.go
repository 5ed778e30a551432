package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"
)

// ImageExists reports whether ref (a name:tag or an ID) is present on the
// engine, and its ID.
func (e *Engine) ImageExists(ctx context.Context, ref string) (string, bool, error) {
	res, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		if IsNotFound(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("inspect image %s on %s: %w", ref, e.host, err)
	}
	return res.ID, true, nil
}

// RemoveImage removes an image by reference; one that is already gone is not
// an error. Layers no other image uses are pruned.
func (e *Engine) RemoveImage(ctx context.Context, ref string, force bool) error {
	_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: force, PruneChildren: true})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	return nil
}

// TagImage gives an existing image another name.
func (e *Engine) TagImage(ctx context.Context, source, target string) error {
	if _, err := e.cli.ImageTag(ctx, client.ImageTagOptions{Source: source, Target: target}); err != nil {
		return fmt.Errorf("tag image %s as %s: %w", source, target, err)
	}
	return nil
}

// SaveImages streams the images as one `docker save` tar archive. Pipe it
// into another engine's LoadImages to move images between hosts without a
// registry; the caller closes the stream.
func (e *Engine) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	if len(refs) == 0 {
		return nil, errors.New("save images: no image given")
	}
	rc, err := e.cli.ImageSave(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("save images %s from %s: %w", strings.Join(refs, ", "), e.host, err)
	}
	return rc, nil
}

// LoadImages loads a `docker save` archive and returns the references the
// engine reports as loaded ("name:tag" or an image ID).
func (e *Engine) LoadImages(ctx context.Context, archive io.Reader) ([]string, error) {
	res, err := e.cli.ImageLoad(ctx, archive, client.ImageLoadWithQuiet(true))
	if err != nil {
		return nil, fmt.Errorf("load images into %s: %w", e.host, err)
	}
	defer res.Close()
	var loaded []string
	err = DecodeStream(res, func(m StreamMessage) error {
		if err := m.Err(); err != nil {
			return err
		}
		for _, line := range strings.Split(m.Stream, "\n") {
			for _, prefix := range []string{"Loaded image: ", "Loaded image ID: "} {
				if ref, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
					loaded = append(loaded, ref)
				}
			}
		}
		return nil
	})
	if err != nil {
		return loaded, fmt.Errorf("load images into %s: %w", e.host, err)
	}
	return loaded, nil
}

// StreamMessage is one message of the engine's JSON progress stream (build,
// load, pull).
type StreamMessage struct {
	Stream      string `json:"stream,omitempty"`
	Status      string `json:"status,omitempty"`
	ID          string `json:"id,omitempty"`
	Error       string `json:"error,omitempty"`
	ErrorDetail *struct {
		Code    int    `json:"code,omitempty"`
		Message string `json:"message,omitempty"`
	} `json:"errorDetail,omitempty"`
	Aux json.RawMessage `json:"aux,omitempty"`
}

// Err returns the message's error, if it carries one.
func (m StreamMessage) Err() error {
	if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
		return errors.New(m.ErrorDetail.Message)
	}
	if m.Error != "" {
		return errors.New(m.Error)
	}
	return nil
}

// DecodeStream calls fn for each message of a JSON progress stream until the
// stream ends or fn returns an error.
func DecodeStream(r io.Reader, fn func(StreamMessage) error) error {
	dec := json.NewDecoder(r)
	for {
		var m StreamMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read engine stream: %w", err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}
