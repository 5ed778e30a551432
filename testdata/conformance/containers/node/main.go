// Command node stands in for `node app.js` in the images of wrangler's
// container fixtures, which are built FROM node images that cannot be
// pulled here: it answers what their app.js answers, on any path. The test
// builds it static into the fixture's build context, and the substitute
// Dockerfile copies it to /usr/local/bin/node, so that the worker's
// unmodified start({ entrypoint: ["node", "app.js"] }) runs it.
//
//	$ANSWER set   every request gets it (the multi-containers fixture)
//	otherwise     "$GREETING$MESSAGE", GREETING "Hello World! Have an env
//	              var! " unless set (a test that edits the app's text sets it)
//	$PORT         where it listens (default 8080)
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if a, ok := os.LookupEnv("ANSWER"); ok {
			io.WriteString(w, a)
			return
		}
		greeting, ok := os.LookupEnv("GREETING")
		if !ok {
			greeting = "Hello World! Have an env var! "
		}
		io.WriteString(w, greeting+os.Getenv("MESSAGE"))
	})
	fmt.Println("Server listening on port", port)
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
