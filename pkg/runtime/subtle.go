package runtime

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"github.com/dop251/goja"
)

// crypto.subtle's symmetric algorithms, as Go natives the JS side
// (js/82_subtle.js) calls with raw key bytes: HMAC, AES-GCM/CBC/CTR, PBKDF2
// and HKDF. They run on the loop: each is microseconds, except PBKDF2 with
// many iterations, which is what a worker asks for.

func hashFunc(name string) (func() hash.Hash, error) {
	switch name {
	case "SHA-1":
		return sha1.New, nil
	case "SHA-256":
		return sha256.New, nil
	case "SHA-384":
		return sha512.New384, nil
	case "SHA-512":
		return sha512.New, nil
	}
	return nil, fmt.Errorf("unrecognized hash %q: use SHA-1, SHA-256, SHA-384 or SHA-512", name)
}

func hmacSum(hashName string, key, data []byte) ([]byte, error) {
	h, err := hashFunc(hashName)
	if err != nil {
		return nil, err
	}
	m := hmac.New(h, key)
	m.Write(data)
	return m.Sum(nil), nil
}

// aesCrypt runs AES in mode GCM, CBC (PKCS#7 padding) or CTR.
func aesCrypt(mode string, encrypt bool, key, iv, data, aad []byte, tagBits, ctrBits int) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	switch mode {
	case "AES-GCM":
		if len(iv) == 0 {
			return nil, errors.New("AES-GCM: iv must not be empty")
		}
		if tagBits == 0 {
			tagBits = 128
		}
		if tagBits%8 != 0 || tagBits < 96 || tagBits > 128 {
			return nil, fmt.Errorf("AES-GCM: tagLength %d is not supported (use 96 to 128, a multiple of 8)", tagBits)
		}
		var g cipher.AEAD
		switch {
		case len(iv) == 12 && tagBits == 128:
			g, err = cipher.NewGCM(block)
		case tagBits == 128:
			g, err = cipher.NewGCMWithNonceSize(block, len(iv))
		case len(iv) == 12:
			g, err = cipher.NewGCMWithTagSize(block, tagBits/8)
		default:
			return nil, errors.New("AES-GCM: a tagLength other than 128 needs a 12-byte iv")
		}
		if err != nil {
			return nil, err
		}
		if encrypt {
			return g.Seal(nil, iv, data, aad), nil
		}
		out, err := g.Open(nil, iv, data, aad)
		if err != nil {
			return nil, errors.New("decryption failed (wrong key, iv, additionalData or tampered data)")
		}
		return out, nil
	case "AES-CBC":
		if len(iv) != aes.BlockSize {
			return nil, errors.New("AES-CBC: iv must be 16 bytes")
		}
		if encrypt {
			pad := aes.BlockSize - len(data)%aes.BlockSize
			buf := make([]byte, len(data)+pad)
			copy(buf, data)
			for i := len(data); i < len(buf); i++ {
				buf[i] = byte(pad)
			}
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
			return buf, nil
		}
		if len(data) == 0 || len(data)%aes.BlockSize != 0 {
			return nil, errors.New("AES-CBC: ciphertext is not a whole number of blocks")
		}
		buf := make([]byte, len(data))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, data)
		pad := int(buf[len(buf)-1])
		if pad == 0 || pad > aes.BlockSize {
			return nil, errors.New("decryption failed (bad padding)")
		}
		for _, b := range buf[len(buf)-pad:] {
			if int(b) != pad {
				return nil, errors.New("decryption failed (bad padding)")
			}
		}
		return buf[:len(buf)-pad], nil
	case "AES-CTR":
		if len(iv) != aes.BlockSize {
			return nil, errors.New("AES-CTR: counter must be 16 bytes")
		}
		if ctrBits != 0 && ctrBits != 64 && ctrBits != 128 {
			// Go's CTR increments the whole block: right for any length
			// as long as the counter does not wrap, which 64 bits never do.
			if ctrBits < 1 || ctrBits > 128 {
				return nil, fmt.Errorf("AES-CTR: length %d must be 1 to 128", ctrBits)
			}
		}
		out := make([]byte, len(data))
		cipher.NewCTR(block, iv).XORKeyStream(out, data)
		return out, nil
	}
	return nil, fmt.Errorf("unsupported cipher %s", mode)
}

func deriveBits(alg, hashName string, secret, salt, info []byte, iterations, bits int) ([]byte, error) {
	if bits <= 0 || bits%8 != 0 {
		return nil, fmt.Errorf("%s: length %d must be a positive multiple of 8", alg, bits)
	}
	h, err := hashFunc(hashName)
	if err != nil {
		return nil, err
	}
	switch alg {
	case "PBKDF2":
		if iterations <= 0 {
			return nil, errors.New("PBKDF2: iterations must be positive")
		}
		return pbkdf2.Key(h, string(secret), salt, iterations, bits/8)
	case "HKDF":
		return hkdf.Key(h, secret, salt, string(info), bits/8)
	}
	return nil, fmt.Errorf("unsupported key derivation %s", alg)
}

// installSubtle adds the natives above to N.
func (iso *Isolate) installSubtle(n *goja.Object) {
	vm := iso.vm
	opErr := func(err error) {
		panic(iso.domException(err.Error(), "OperationError"))
	}
	buf := func(b []byte) goja.Value { return vm.ToValue(vm.NewArrayBuffer(b)) }
	_ = n.Set("hmac", func(c goja.FunctionCall) goja.Value {
		out, err := hmacSum(c.Argument(0).String(), iso.argBytes(c.Argument(1)), iso.argBytes(c.Argument(2)))
		if err != nil {
			opErr(err)
		}
		return buf(out)
	})
	_ = n.Set("aes", func(c goja.FunctionCall) goja.Value {
		out, err := aesCrypt(c.Argument(0).String(), c.Argument(1).ToBoolean(), iso.argBytes(c.Argument(2)),
			iso.argBytes(c.Argument(3)), iso.argBytes(c.Argument(4)), iso.argBytes(c.Argument(5)),
			int(c.Argument(6).ToInteger()), int(c.Argument(7).ToInteger()))
		if err != nil {
			opErr(err)
		}
		return buf(out)
	})
	_ = n.Set("deriveBits", func(c goja.FunctionCall) goja.Value {
		out, err := deriveBits(c.Argument(0).String(), c.Argument(1).String(), iso.argBytes(c.Argument(2)),
			iso.argBytes(c.Argument(3)), iso.argBytes(c.Argument(4)), int(c.Argument(5).ToInteger()), int(c.Argument(6).ToInteger()))
		if err != nil {
			opErr(err)
		}
		return buf(out)
	})
}
