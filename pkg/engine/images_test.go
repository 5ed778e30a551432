package engine_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestSaveLoadImages(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := enginetest.GoImage(t, e, "transfer", serverSource)
	id, ok, err := e.ImageExists(ctx, ref)
	if err != nil || !ok {
		t.Fatalf("ImageExists(%s) = %v, %v", ref, ok, err)
	}
	copyRef := "valet-test-transfer-copy:" + strings.TrimPrefix(id, "sha256:")[:12]
	if err := e.TagImage(ctx, ref, copyRef); err != nil {
		t.Fatal(err)
	}
	archive, err := e.SaveImages(ctx, []string{copyRef})
	if err != nil {
		t.Fatal(err)
	}
	// Untag the copy while the archive streams, then load it back, as a
	// deploy moves an image from the local engine to the host's.
	var data bytes.Buffer
	if _, err := io.Copy(&data, archive); err != nil {
		t.Fatal(err)
	}
	archive.Close()
	if err := e.RemoveImage(ctx, copyRef, false); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.ImageExists(ctx, copyRef); ok {
		t.Fatal("copy still tagged after RemoveImage")
	}
	loaded, err := e.LoadImages(ctx, &data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.RemoveImage(context.Background(), copyRef, false) })
	if len(loaded) != 1 || loaded[0] != copyRef {
		t.Errorf("loaded = %v, want [%s]", loaded, copyRef)
	}
	if got, ok, err := e.ImageExists(ctx, copyRef); err != nil || !ok || got != id {
		t.Errorf("after load: %s %v %v, want %s", got, ok, err, id)
	}

	if _, err := e.LoadImages(ctx, strings.NewReader("not a tar")); err == nil {
		t.Error("loading garbage: no error")
	}
	if _, ok, err := e.ImageExists(ctx, "valet-test-never:built"); ok || err != nil {
		t.Errorf("ImageExists(absent) = %v, %v", ok, err)
	}
}
