const el = find(arguments[0]);
return el ? { checked: !!el.checked, disabled: !!el.disabled } : null;
