// "Test my camera and microphone": a preview, a level meter, and the device choice
// that the call page uses too (remembered in localStorage by media.js).

// media.js comes by its URL from the page: with hashed static file names (whitenoise's
// manifest storage) a relative import would ask for a name that is not served.
const {
  audioConstraints,
  deviceIdOf,
  fillDeviceSelect,
  openMedia,
  rememberDevice,
  videoConstraints,
} = await import(document.getElementById('device-test').dataset.mediaModule);

const root = document.getElementById('device-test');
const text = JSON.parse(document.getElementById('device-strings').textContent);
const preview = document.getElementById('preview');
const meter = document.getElementById('level');
const status = document.getElementById('device-status');
const cameraSelect = document.getElementById('camera-select');
const micSelect = document.getElementById('mic-select');

let stream = null;
let audioContext = null;
let analyser = null;
let source = null;

function listen(track) {
  if (!track) return;
  audioContext = audioContext || new AudioContext();
  if (source) source.disconnect();
  source = audioContext.createMediaStreamSource(new MediaStream([track]));
  analyser = audioContext.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
}

function measure() {
  if (analyser) {
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const level = Math.min(100, Math.round(Math.sqrt(sum / samples.length) * 300));
    meter.value = level;
    meter.textContent = String(level);
    if (level > 0) root.dataset.heard = 'true';
  }
  requestAnimationFrame(measure);
}

async function refreshSelects() {
  await fillDeviceSelect(cameraSelect, 'videoinput', deviceIdOf(stream.getVideoTracks()[0]), text.camera);
  await fillDeviceSelect(micSelect, 'audioinput', deviceIdOf(stream.getAudioTracks()[0]), text.microphone);
}

async function switchDevice(kind, deviceId) {
  const audio = kind === 'audioinput';
  const constraints = audio
    ? { audio: audioConstraints(deviceId), video: false }
    : { video: videoConstraints(deviceId), audio: false };
  try {
    const fresh = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    const old = audio ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(fresh);
    rememberDevice(kind, deviceId);
    if (audio) listen(fresh);
    else preview.srcObject = stream;
  } catch {
    status.textContent = text.no_media;
  }
}

cameraSelect.addEventListener('change', () => switchDevice('videoinput', cameraSelect.value));
micSelect.addEventListener('change', () => switchDevice('audioinput', micSelect.value));

async function main() {
  try {
    stream = await openMedia();
  } catch {
    root.dataset.state = 'failed';
    status.textContent = text.no_media;
    return;
  }
  preview.srcObject = stream;
  listen(stream.getAudioTracks()[0]);
  await refreshSelects();
  root.dataset.state = 'ready';
  status.textContent = text.ready;
  measure();
}

window.addEventListener('pagehide', () => {
  if (stream) for (const track of stream.getTracks()) track.stop();
});

main();
