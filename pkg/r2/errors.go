package r2

import (
	"errors"
	"fmt"
)

// Error is an R2 error as the binding reports it: an HTTP status, R2's v4
// code and message, and, for a failed condition on a get, the object's
// metadata (the binding then returns the object without a body).
type Error struct {
	Status  int
	Code    int
	Message string
	Object  *Object
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Code) }

// The errors R2 gives, with miniflare's statuses, codes and messages.
func errInternal() *Error {
	return &Error{500, 10001, "We encountered an internal error. Please try again.", nil}
}
func errNoSuchKey() *Error { return &Error{404, 10007, "The specified key does not exist.", nil} }
func errEntityTooLarge() *Error {
	return &Error{400, 100100, "Your proposed upload exceeds the maximum allowed object size.", nil}
}
func errEntityTooSmall() *Error {
	return &Error{400, 10011, "Your proposed upload is smaller than the minimum allowed object size.", nil}
}
func errMetadataTooLarge() *Error {
	return &Error{400, 10012, "Your metadata headers exceed the maximum allowed metadata size.", nil}
}
func errInvalidObjectName() *Error {
	return &Error{400, 10020, "The specified object name is not valid.", nil}
}
func errInvalidMaxKeys() *Error {
	return &Error{400, 10022, "MaxKeys params must be positive integer <= 1000.", nil}
}
func errNoSuchUpload() *Error {
	return &Error{400, 10024, "The specified multipart upload does not exist.", nil}
}
func errInvalidPart() *Error {
	return &Error{400, 10025, "One or more of the specified parts could not be found.", nil}
}
func errInvalidArgument() *Error {
	return &Error{400, 10029, "Metadata missing or invalid", nil}
}
func errPreconditionFailed() *Error {
	return &Error{412, 10031, "At least one of the pre-conditions you specified did not hold.", nil}
}
func errInvalidRange() *Error {
	return &Error{416, 10039, "The requested range is not satisfiable", nil}
}
func errBadUpload() *Error {
	return &Error{500, 10048, "There was a problem with the multipart upload.", nil}
}
func errBadDigest(alg, provided, computed string) *Error {
	return &Error{400, 10037, fmt.Sprintf("The %s checksum you specified did not match what we received.\nYou provided a %s checksum with value: %s\nActual %s was: %s", alg, alg, provided, alg, computed), nil}
}

// IsNotFound reports whether err says the key does not exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == 10007
}
