const i = arguments[0].findIndex(s => find(s) !== null);
return i < 0 ? null : i;
