const times = [performance.timeOrigin];
try { times.push(window.top.performance.timeOrigin); } catch (e) {}
return Math.max(...times);
