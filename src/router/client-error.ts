// What the router says about a request node's parser refused (llhttp's
// HPE_* codes): the smuggling shapes (Content-Length with Transfer-Encoding,
// two lengths, a bad chunk size), bare CR or LF, bad header names, huge
// heads. Each gets a page that names what was wrong and what a client should
// send instead, and the connection is closed: nothing after a head the router
// could not read is trusted as a request.
import type { Page } from './pages.js';

type Reason = readonly [message: string, hint: string];

const FRAMING = 'Send a body with either one Content-Length or Transfer-Encoding: chunked, never both (RFC 9112 section 6).';

const REASONS: Readonly<Record<string, Reason>> = {
  HPE_INVALID_TRANSFER_ENCODING: ['The Transfer-Encoding header is not one the router accepts (it must end in chunked), or it came with a Content-Length.', FRAMING],
  HPE_UNEXPECTED_CONTENT_LENGTH: ['The request has more than one Content-Length header, or a Content-Length together with Transfer-Encoding.', FRAMING],
  HPE_INVALID_CONTENT_LENGTH: ['The Content-Length header is not one decimal number.', 'Send Content-Length as digits only, once, for example Content-Length: 42.'],
  HPE_INVALID_CHUNK_SIZE: ['A chunk size in the chunked body is not a valid hexadecimal number.', 'Frame each chunk as <hex size>CRLF<data>CRLF and end with 0CRLFCRLF.'],
  HPE_INVALID_HEADER_TOKEN: ['A header name or value has a character HTTP does not allow: a space or tab before the colon, a control character such as NUL, or a folded (obs-fold) line.', 'Send each header on one line as Name: value, with a token name and no control characters.'],
  HPE_CR_EXPECTED: ['A line of the request ends in a bare LF; HTTP lines end in CRLF.', 'End every line of the request head with CRLF (\\r\\n).'],
  HPE_LF_EXPECTED: ['The request has a bare CR that is not followed by LF; HTTP lines end in CRLF.', 'End every line of the request head with CRLF (\\r\\n), and send no other CR.'],
  HPE_STRICT: ['The request is not well-formed HTTP/1.1.', 'End every line with CRLF and send each header as Name: value.'],
  HPE_INVALID_METHOD: ['The request line does not start with a valid method.', 'Send a request line such as GET /path HTTP/1.1.'],
  HPE_INVALID_URL: ['The request line has a target with characters HTTP does not allow.', 'Percent-encode spaces and control characters in the path.'],
  HPE_INVALID_CONSTANT: ['The request line is not METHOD /path HTTP/1.1.', 'Percent-encode spaces in the path, and send a request line such as GET /path HTTP/1.1.'],
  HPE_INVALID_VERSION: ['The request line does not end in HTTP/1.0 or HTTP/1.1 followed by CRLF.', 'Send a request line such as GET /path HTTP/1.1, ending in CRLF.'],
  HPE_PAUSED_H2_UPGRADE: ['The router does not speak cleartext HTTP/2 (h2c prior knowledge).', 'Use HTTP/1.1 over this port.'],
};

/** The page for a parse error (`code` from node), with the head limit for 431. */
export function clientErrorPage(code: string | undefined, maxHeaderBytes: number): Page {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431, title: 'Request header fields too large',
      message: `The request headers are larger than ${Math.round(maxHeaderBytes / 1024)} KiB.`,
      hint: 'Send fewer or smaller headers (large cookies are the usual cause), or raise BERTH_ROUTER_MAX_HEADER_KB.',
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, title: 'Request timeout', message: 'The request did not arrive in time.', hint: 'Send the request head and body without long pauses.' };
  }
  const [message, hint] = REASONS[code ?? ''] ?? [`The request is not valid HTTP/1.1 (${code ?? 'unknown parse error'}).`, 'Send a well-formed HTTP/1.1 request.'];
  return { status: 400, title: 'Bad request', message, hint };
}
