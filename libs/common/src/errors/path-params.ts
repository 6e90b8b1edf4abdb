import { Param, type PipeTransform } from '@nestjs/common';
import { textProblem } from '../text/well-formed.js';
import type { AppError } from './app-error.js';

/**
 * A path parameter that names a row. One that is ill-formed for its kind (not a uuid, NUL, half a surrogate pair)
 * names nothing, so it is answered exactly as an unknown one is, before any SQL sees it.
 */
export class PathIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly wellFormed: (value: string) => boolean,
    private readonly notFound: () => AppError,
  ) {}

  transform(value: string): string {
    if (typeof value !== 'string' || textProblem(value) !== null || !this.wellFormed(value)) throw this.notFound();
    return value;
  }
}

/** `@Param(name)` through a PathIdPipe. */
export function PathId(
  name: string,
  wellFormed: (value: string) => boolean,
  notFound: () => AppError,
): ParameterDecorator {
  return Param(name, new PathIdPipe(wellFormed, notFound));
}

/** Any string the text rule allows: ids whose form is the client's (a chat_id) or checked further on. */
export const anyText = (): boolean => true;
