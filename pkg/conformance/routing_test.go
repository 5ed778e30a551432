package conformance

import "testing"

// TestSPA replays fixtures/workers-with-assets-spa: with
// assets_navigation_prefers_asset_serving, a browser navigation
// (Sec-Fetch-Mode: navigate) gets the SPA's index.html where no asset
// exists, while fetch() calls reach the worker.
func TestSPA(t *testing.T) {
	d := startDev(t, "spa", "")
	nav := "Sec-Fetch-Mode: navigate"

	t.Run("direct fetches don't look like SPA requests", func(t *testing.T) {
		expect(t, d.get(t, "/"), 200, "Homepage")
		if r := d.get(t, "/blog"); r.body != "nope" {
			t.Errorf("/blog = %q, want the worker's nope", r.body)
		}
		if r := d.get(t, "/shadowed-by-asset.txt"); r.body != "i'm some text!" {
			t.Errorf("/shadowed-by-asset.txt = %q, want the asset", r.body)
		}
		if r := d.get(t, "/api/math"); r.body != "1 + 1 = 2" {
			t.Errorf("/api/math = %q", r.body)
		}
		expect(t, d.get(t, "/api/json", "Accept: application/json"), 200, `{"hello":"world"}`)
	})
	t.Run("navigations get index.html", func(t *testing.T) {
		for _, p := range []string{"/", "/blog", "/blog/some-slug-here", "/shadowed-by-spa", "/api/math"} {
			expect(t, d.get(t, p, nav), 200, "Homepage")
		}
		expect(t, d.get(t, "/shadowed-by-asset.txt", nav), 200, "i'm some text!")
	})
}

// TestRunWorkerFirstTrue replays fixtures/workers-with-assets-run-worker-first.
func TestRunWorkerFirstTrue(t *testing.T) {
	d := startDev(t, "rwf", "")
	r := d.get(t, "/index.html")
	expect(t, r, 403, "Forbidden")
	if r.Status != "403 Forbidden" {
		t.Errorf("status = %q", r.Status)
	}
	expect(t, d.get(t, "/index.html", "Authorization: some auth header"), 200, "<h1>Hello Workers + Assets World 🚀!</h1>")
	expect(t, d.get(t, "/", "Authorization: x"), 200, "Hello Workers + Assets World")
}

// TestStaticRouting replays fixtures/workers-with-assets-static-routing:
// run_worker_first as a list of globs with negations.
func TestStaticRouting(t *testing.T) {
	t.Run("static routing", func(t *testing.T) {
		d := startDev(t, "static-routing", "")
		expect(t, d.get(t, "/static/page"), 200, "<h1>A normal asset</h1>")
		expect(t, d.get(t, "/"), 404, "404 from the User Worker")
		r := d.get(t, "/missing-asset")
		if r.StatusCode != 404 || r.body != "" {
			t.Errorf("/missing-asset = %d %q, want an empty 404 from assets", r.StatusCode, r.body)
		}
		expect(t, d.get(t, "/worker/asset"), 200, "<h1>Hello, I'm an asset!</h1>")
		expect(t, d.get(t, "/oauth/callback"), 200, "oauth from the User Worker")
		t.Run("worker rewrites an asset keeping its headers", func(t *testing.T) {
			// A Content-Length copied from the asset's headers must not survive a
			// longer body (new Response(text, {headers: assetResp.headers})).
			expect(t, d.get(t, "/worker/worker-runs"), 200,
				"<h1>Hello, I'm an asset (and was intercepted by the User Worker) at /worker/worker-runs.html!</h1>")
		})
	})
	t.Run("static routing + SPA", func(t *testing.T) {
		d := startDev(t, "static-routing", "spa.wrangler.jsonc")
		for _, nav := range [][]string{nil, {"Sec-Fetch-Mode: navigate"}} {
			expect(t, d.get(t, "/", nav...), 200, "I'm an index.html for a SPA")
			expect(t, d.get(t, "/some/page", nav...), 200, "I'm an index.html for a SPA")
			r := d.get(t, "/api/route", nav...)
			expect(t, r, 200, `{"some":["json","response"]}`)
			expectHeader(t, r, "Content-Type", "application/json")
			expect(t, d.get(t, "/api/asset", nav...), 200, "I'm an index.html for a SPA")
		}
	})
}

// TestAssetsOnly replays fixtures/workers-with-assets-only and the asset
// worker's html_handling and 404-page cases.
func TestAssetsOnly(t *testing.T) {
	d := startDev(t, "assets-only", "")
	expect(t, d.get(t, "/"), 200, "Hello Workers + Assets World")
	t.Run("404-page", func(t *testing.T) {
		expect(t, d.get(t, "/hello.html"), 404, "root 404")
		expect(t, d.get(t, "/about/nope"), 404, "about 404")
		if r := d.do(t, follow, "HEAD", "/nope.html"); r.StatusCode != 404 {
			t.Errorf("HEAD /nope.html = %d, want 404", r.StatusCode)
		}
		// The 404 page is an intent: other methods get 405, as from
		// Cloudflare's asset worker (a 404 only without not_found_handling).
		for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
			for _, p := range []string{"/index.html", "/nope.html"} {
				if r := d.do(t, follow, m, p); r.StatusCode != 405 {
					t.Errorf("%s %s = %d, want 405", m, p, r.StatusCode)
				}
			}
		}
	})
	t.Run("auto-trailing-slash", func(t *testing.T) {
		for _, c := range []struct {
			path     string
			status   int
			location string
			body     string
		}{
			{"/file", 200, "", "<p>file</p>"},
			{"/file.html", 307, "/file", ""},
			{"/file/", 307, "/file", ""},
			{"/folder/", 200, "", "<p>folder</p>"},
			{"/folder", 307, "/folder/", ""},
			{"/folder/index.html", 307, "/folder/", ""},
			{"/folder/index", 307, "/folder/", ""},
			{"/both", 200, "", "<p>both.html</p>"},
			{"/both/", 200, "", "<p>both/index.html</p>"},
			{"/index.html", 307, "/", ""},
		} {
			r := d.do(t, noRedirect, "GET", c.path)
			if r.StatusCode != c.status || r.Header.Get("Location") != c.location || !containsStr(r.body, c.body) {
				t.Errorf("GET %s = %d Location %q %q; want %d %q %q", c.path, r.StatusCode, r.Header.Get("Location"), trim(r.body), c.status, c.location, c.body)
			}
		}
	})
	t.Run("ETag and 304", func(t *testing.T) {
		r := d.get(t, "/file")
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if r := d.get(t, "/file", "If-None-Match: "+etag); r.StatusCode != 304 {
			t.Errorf("If-None-Match = %d, want 304", r.StatusCode)
		}
	})
}
