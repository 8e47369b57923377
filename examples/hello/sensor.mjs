// A periodic job: asks the app for a greeting, as a sensor or a cache warmer would.
const port = Number(process.env.HELLO_PORT ?? 8080);
try {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  console.log(`app says: ${(await response.text()).trim()}`);
} catch (error) {
  console.log(`app not reachable yet: ${error.cause?.code ?? error.message}`);
}
