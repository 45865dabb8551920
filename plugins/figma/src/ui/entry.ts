// The bundle's entry. ui.html runs it as the panel; the same bundle, evaluated inside the model
// worker (worker-engine.ts), serves the model there instead (a worker has no document).
if (typeof document === 'undefined') void import('./model-worker.js').then((m) => m.serveModelWorker());
else void import('./index.js');
