import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { newId } from '../domain/ids.js';
import { ERRORS, type ErrorCode } from '../domain/errors.js';
import { problemBody } from './problem.js';
import { endConnection } from './connections.js';

/** Node's parser errors for a request it could not read, by what the client did wrong. */
function classify(err: NodeJS.ErrnoException): { code: ErrorCode; detail: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { code: 'headers_too_large', detail: 'the request headers exceed the size the daemon accepts (16 KiB)' };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 'request_timeout', detail: 'the request was not received in time (--header-timeout-ms, --body-timeout-ms)' };
  return { code: 'bad_request', detail: 'the request is not valid HTTP' };
}

/**
 * Answers a request Node could not parse or did not receive in time (431, 408, 400) with a
 * problem document like every other error, then closes the connection: there is no request
 * boundary left to continue from. Such requests never reach fastify, so they get their own
 * request id here (in the log line and the header alike).
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, detail } = classify(err);
  const reqId = newId('http');
  this.log.info({ reqId, status: ERRORS[code].status, err_code: err.code }, 'request refused before routing');
  // A response already under way (an early 401 to a request whose body never came) cannot get
  // a second one on the same connection; the connection just ends.
  const answering = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } })._httpMessage?._headerSent === true;
  if (socket.writable && !answering) {
    const problem = problemBody(code, detail);
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${reqId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  endConnection(socket);
}
