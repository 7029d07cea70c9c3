const done = arguments[arguments.length - 1];
setTimeout(() => setTimeout(() => done(window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay')), 0), 0);
