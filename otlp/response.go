package otlp

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by the errors of decoding a receiver's answer
// that is not valid protobuf of the expected message.
var ErrMalformed = errors.New("otlp: malformed protobuf")

// PartialSuccess is what a receiver that accepted a request said it
// rejected of it (ExportMetricsPartialSuccess).
type PartialSuccess struct {
	RejectedDataPoints int64
	ErrorMessage       string
}

// DecodeResponse decodes an ExportMetricsServiceResponse. Unknown fields
// are skipped, as protobuf requires; anything that is not well-formed
// protobuf, or a known field of the wrong wire type, is an error wrapping
// ErrMalformed. It never panics.
func DecodeResponse(b []byte) (PartialSuccess, error) {
	var ps PartialSuccess
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if num != respPartialSuccess {
			return nil
		}
		if typ != protowire.BytesType {
			return fmt.Errorf("%w: partial_success has wire type %d", ErrMalformed, typ)
		}
		return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
			switch {
			case num == partialRejected && typ == protowire.VarintType:
				ps.RejectedDataPoints = int64(x)
			case num == partialErrorMessage && typ == protowire.BytesType:
				ps.ErrorMessage = string(v)
			case num == partialRejected || num == partialErrorMessage:
				return fmt.Errorf("%w: partial_success field %d has wire type %d", ErrMalformed, num, typ)
			}
			return nil
		})
	})
	if err != nil {
		return PartialSuccess{}, err
	}
	return ps, nil
}

// DecodeStatus decodes a google.rpc.Status, the body of an OTLP/HTTP
// error response, and returns its code and message (details are
// skipped). Errors are as DecodeResponse's.
func DecodeStatus(b []byte) (code int32, message string, err error) {
	err = fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == rpcCode && typ == protowire.VarintType:
			code = int32(x)
		case num == rpcMessage && typ == protowire.BytesType:
			message = string(v)
		case num == rpcCode || num == rpcMessage:
			return fmt.Errorf("%w: status field %d has wire type %d", ErrMalformed, num, typ)
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	return code, message, nil
}

// fields calls f for every field of the message b: v holds a bytes
// field's content, x a varint's or fixed value.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %w", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default: // groups are not in these messages
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %w", ErrMalformed, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}
