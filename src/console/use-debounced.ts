// A value that follows another after it has stopped changing for `millis`: search as you type sends one query per
// pause, not one per keystroke.
import { useEffect, useState } from 'react';

export const SEARCH_DEBOUNCE_MILLIS = 250;

export function useDebounced<T>(value: T, millis = SEARCH_DEBOUNCE_MILLIS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), millis);
    return () => clearTimeout(timer);
  }, [value, millis]);
  return settled;
}
