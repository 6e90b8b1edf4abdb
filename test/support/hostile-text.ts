import fc from 'fast-check';

/** One UTF-16 surrogate on its own: half of a pair, which the text rule refuses. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** An otherwise ordinary string with half a surrogate pair or a NUL somewhere in it. */
export const ruleBreakingText = fc
  .tuple(fc.string({ maxLength: 8 }), fc.oneof(loneSurrogate, fc.constant('\u0000')), fc.string({ maxLength: 8 }))
  .map((parts) => parts.join(''));
