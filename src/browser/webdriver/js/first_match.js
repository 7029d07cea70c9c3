const i = arguments[0].findIndex(s => findAny(s) !== null);
return i < 0 ? null : i;
