/** Freezes a parsed topology all the way down: it is read everywhere and changed nowhere. */
export const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};
