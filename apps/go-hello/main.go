// go-hello: answers GET / with a greeting and the Go version it was built
// with, on $PORT. Standard library only, so it builds offline.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "5000"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello from Go on Berth! (%s)\n", runtime.Version())
	})
	log.Printf("go-hello listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
