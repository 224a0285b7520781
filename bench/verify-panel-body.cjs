// autocannon's verifyBody for the throughput panel, loaded by its worker thread (which
// takes a module path, not a function). A 200 with `errors` or a short page counts as a
// mismatch: a cheap wrong answer must not pass for throughput. Cheap string checks, as the
// worker runs it on every response.
module.exports = function verifyPanelBody(body) {
  if (!body.startsWith('{"data":{"events":{"edges":[') || body.includes('"errors":[')) return false;
  let cursors = 0;
  for (let at = body.indexOf('"cursor":'); at !== -1; at = body.indexOf('"cursor":', at + 1)) cursors += 1;
  return cursors === 50;
};
