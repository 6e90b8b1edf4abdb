import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { scrubText, textProblem } from '../text/well-formed.js';
import { AppError, type FieldError } from './app-error.js';
import { ErrorCode } from './error-code.js';

/** The body itself is level 1. class-transformer recurses once per level: 40,000 of them overflow its stack. */
export const MAX_INPUT_DEPTH = 32;
/** A body with a thousand bad strings gets the first few named, not a thousand lines back. */
const MAX_TEXT_DETAILS = 10;

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property /, ''),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function validationFailed(details: FieldError[]): AppError {
  const fields = [...new Set(details.map((d) => d.field))].join(', ');
  return new AppError(ErrorCode.VALIDATION_FAILED, `The request is invalid: check ${fields}.`, details);
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * The checks every admin input gets before class-transformer and class-validator see it, so that no DTO field can
 * forget them: nesting at most MAX_INPUT_DEPTH levels, and every string, values and property names alike, following
 * the text rule (textProblem). Iterative: the input that this guards against would overflow a recursive walk.
 */
export function inputProblems(input: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 1 }];
  while (stack.length > 0 && problems.length < MAX_TEXT_DETAILS) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push({ field: path || 'body', message: `${path || 'body'} ${problem}` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_INPUT_DEPTH) {
      // The outermost field names the place; the path inside a 40,000-level value would say nothing more.
      const field = /^[^.[]*/.exec(path)?.[0] || 'body';
      return [{ field, message: `${field} is nested more than ${MAX_INPUT_DEPTH} levels deep` }];
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    // The cap holds inside one object too: 5,000 bad property names must not become 5,000 details.
    for (let i = entries.length - 1; i >= 0 && problems.length < MAX_TEXT_DETAILS; i -= 1) {
      const [key, item] = entries[i];
      if (typeof key === 'string') {
        const problem = textProblem(key);
        if (problem) {
          problems.push({ field: path || 'body', message: `${path || 'body'}: property names ${problem}` });
          continue;
        }
      }
      stack.push({ value: item, path: childPath(path, key), depth: depth + 1 });
    }
  }
  // A scrubbed path: a property name with a lone surrogate would otherwise come back in the answer.
  return problems.map(({ field, message }) => ({ field: scrubText(field), message: scrubText(message) }));
}

/** The global pipe: inputProblems first for bodies and query strings, then the DTO's own rules. */
class AdminValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = inputProblems(value);
      if (problems.length > 0) throw validationFailed(problems);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AdminValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
