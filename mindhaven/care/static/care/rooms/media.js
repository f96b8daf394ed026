// Camera and microphone helpers shared by the call page and the device test page.

const CAMERA_KEY = 'mindhaven.camera';
const MICROPHONE_KEY = 'mindhaven.microphone';

export function chosenDevice(kind) {
  try {
    return localStorage.getItem(kind === 'videoinput' ? CAMERA_KEY : MICROPHONE_KEY) || '';
  } catch {
    return '';
  }
}

export function rememberDevice(kind, deviceId) {
  try {
    localStorage.setItem(kind === 'videoinput' ? CAMERA_KEY : MICROPHONE_KEY, deviceId);
  } catch {
    // Private browsing without storage: the choice lasts for this page only.
  }
}

export function videoConstraints(deviceId) {
  const base = { width: { ideal: 640 }, height: { ideal: 480 } };
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}

export function audioConstraints(deviceId) {
  const base = { echoCancellation: true, noiseSuppression: true };
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}

// The person's camera and microphone (the ones chosen before, when still there);
// falls back to what is available: audio only, video only, or nothing.
export async function openMedia() {
  const camera = chosenDevice('videoinput');
  const microphone = chosenDevice('audioinput');
  const attempts = [
    { video: videoConstraints(camera), audio: audioConstraints(microphone) },
    { video: videoConstraints(''), audio: audioConstraints('') },
    { video: false, audio: audioConstraints('') },
    { video: videoConstraints(''), audio: false },
  ];
  let lastError = null;
  for (const constraints of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError || new Error('no media devices');
}

// Fill a <select> with the devices of one kind, selecting the one in use.
export async function fillDeviceSelect(select, kind, inUse, labelTemplate) {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
  select.replaceChildren();
  devices.forEach((device, index) => {
    const option = document.createElement('option');
    option.value = device.deviceId;
    option.textContent = device.label || labelTemplate.replace('%(number)s', String(index + 1));
    option.selected = device.deviceId === inUse;
    select.append(option);
  });
  select.disabled = devices.length === 0;
}

export function deviceIdOf(track) {
  return (track && track.getSettings && track.getSettings().deviceId) || '';
}

// A random UUID, also where crypto.randomUUID is missing (plain http on a LAN).
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
