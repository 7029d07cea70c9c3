const watchNavigation = () => {
  window.__nightshiftLeaving = false;
  if (window.navigation) navigation.addEventListener('navigate', e => {
    if (!e.destination.sameDocument && !e.downloadRequest) window.__nightshiftLeaving = true;
  }, { once: true });
};
