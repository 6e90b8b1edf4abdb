import { ErrorCode, STATUS_OF_CODE } from './error-code.js';

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  code?: string;
  details?: FieldError[];
  requestId?: string;
}

/** A failure the caller should see: a machine code, a human sentence, and its HTTP status. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
    readonly status: number = STATUS_OF_CODE[code],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return this.details
      ? { error: this.message, code: this.code, details: this.details }
      : { error: this.message, code: this.code };
  }
}
