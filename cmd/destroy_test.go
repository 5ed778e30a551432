package cmd

import (
	"testing"

	"github.com/valet-dev/valet/pkg/config"

	"github.com/valet-dev/valet/pkg/deploy"
)

func Test_destroySummary(t *testing.T) {
	for _, tc := range []struct {
		res  deploy.DestroyResult
		want string
	}{
		{deploy.DestroyResult{}, "demo had nothing on the host"},
		{deploy.DestroyResult{Containers: 1, Images: 0, Volume: true},
			"removed demo: 1 edge container, 0 images, its state volume (versions, secrets, Durable Object, KV, D1, R2, queue, Workflow and cron storage)"},
		{deploy.DestroyResult{Containers: 3, Objects: 2, Images: 1, Volume: true},
			"removed demo: 1 edge container, 2 Durable Object containers, 1 image, its state volume (versions, secrets, Durable Object, KV, D1, R2, queue, Workflow and cron storage)"},
	} {
		if got := destroySummary("demo", &tc.res); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.res, got, tc.want)
		}
	}
}

func Test_dataNote(t *testing.T) {
	c := &config.Config{
		DurableObjects: &config.DurableObjects{Bindings: []config.DurableObjectBinding{{Name: "COUNTER", ClassName: "Counter"}}},
		KVNamespaces:   []config.KVNamespace{{Binding: "KV", ID: "kv-1"}},
		D1Databases:    []config.D1Database{{Binding: "DB", DatabaseName: "main", DatabaseID: "d1-1"}},
		R2Buckets: []config.R2Bucket{{Binding: "FILES", BucketName: "files"},
			{Binding: "ARCHIVE", BucketName: "archive", S3: &config.R2S3{Endpoint: "https://s3.example.com", Bucket: "arch"}}},
	}
	want := " (its data: Durable Objects COUNTER (class Counter), kv namespace KV (kv-1), d1 database DB (d1-1), r2 bucket FILES (files))" +
		"; kept, as they live outside the host: r2 bucket ARCHIVE (arch in https://s3.example.com)"
	if got := dataNote(c); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	c = &config.Config{
		Queues: &config.Queues{Producers: []config.QueueProducer{{Binding: "JOBS", Queue: "jobs"}},
			Consumers: []config.QueueConsumer{{Queue: "jobs"}, {Queue: "dlq"}}},
		Workflows: []config.Workflow{{Binding: "WF", Name: "signup", ClassName: "Signup"}},
		Services:  []config.ServiceBinding{{Binding: "API", Service: "api"}},
		Triggers:  &config.Triggers{Crons: []string{"*/5 * * * *"}},
	}
	want = " (its data: queue jobs (its messages), queue dlq (its messages), Workflow signup (its instances), cron triggers (their schedule))"
	if got := dataNote(c); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := dataNote(&config.Config{}); got != "" {
		t.Errorf("no data: %q", got)
	}
}
