//go:build !unix

package selector

// platform is empty: there is no backend for Windows or other non-Unix
// systems, so New and Open return "selector: not supported on GOOS".
var platform []opener
