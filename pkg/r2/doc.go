// Package r2 keeps R2 buckets for valet: the objects a worker's r2_buckets
// binding reads and writes, and `valet r2 object` with it.
//
// workerd's R2 binding turns each call into an HTTP request to a service
// (src/workerd/api/r2-rpc.c++): GET with the call as JSON in the
// CF-R2-Request header (head, get, list), or PUT with the JSON followed by
// the value in the body and its length in CF-R2-Metadata-Size (put,
// delete, multipart uploads). The answer is the result as JSON, the same
// length header, and an object's bytes after it; an error is a status with
// CF-R2-Error. Server answers that protocol from a Bucket: on local disk
// (Disk: an SQLite index beside immutable blob files), or in an
// S3-compatible store (S3). Both behave as wrangler dev's buckets
// (miniflare's R2 worker) do: the same checks, conditions, ranges, list
// pages and multipart rules, so a worker sees the same answers.
//
// valet answers R2 in Go rather than in a worker of its own because the
// same buckets must be reachable without workerd (`valet r2 object`, the
// dashboard), and because an S3 backend wants request signing and
// streaming that Go's standard library already has.
package r2
