package cmd

import (
	"testing"

	"github.com/valet-dev/valet/pkg/deploy"
)

func Test_destroySummary(t *testing.T) {
	for _, tc := range []struct {
		res  deploy.DestroyResult
		want string
	}{
		{deploy.DestroyResult{}, "demo had nothing on the host"},
		{deploy.DestroyResult{Containers: 1, Images: 0, Volume: true},
			"removed demo: 1 edge container, 0 images, its state volume (versions, secrets, Durable Object storage)"},
		{deploy.DestroyResult{Containers: 3, Objects: 2, Images: 1, Volume: true},
			"removed demo: 1 edge container, 2 Durable Object containers, 1 image, its state volume (versions, secrets, Durable Object storage)"},
	} {
		if got := destroySummary("demo", &tc.res); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.res, got, tc.want)
		}
	}
}
