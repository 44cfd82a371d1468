import { ProblemSchema } from '../../protocol/schemas.js';

/** Error responses every route may give, for the OpenAPI document. */
export const problemResponses = {
  '4xx': { ...ProblemSchema, description: 'RFC 9457 problem (application/problem+json)' },
  '5xx': { ...ProblemSchema, description: 'RFC 9457 problem (application/problem+json)' },
};
