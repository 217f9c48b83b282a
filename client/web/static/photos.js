/* global document, window, navigator, FormData, fetch, createImageBitmap */
// Photos taken on a phone, made small before they are sent (a slow connection carries 300 KB, not
// 5 MB), and the place filled in from the phone's position when the form has room for it. Without
// this script, or where the browser cannot, the form is sent as it is.
(function () {
  'use strict';

  function shrink(file, side) {
    if (!/^image\//.test(file.type) || typeof createImageBitmap !== 'function') return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: 'from-image' }).then(function (bitmap) {
      var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1024 * 1024) return file;
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new window.File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' }) : file);
        }, 'image/jpeg', 0.85);
      });
    }).catch(function () { return file; });
  }

  function locate(form) {
    var lat = form.querySelector('input[name=latitude]');
    var lon = form.querySelector('input[name=longitude]');
    if (!lat || !lon || lat.value || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
    }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function watch(form) {
    var side = Number(form.getAttribute('data-downscale')) || 1600;
    var sending = false;
    locate(form);
    form.addEventListener('submit', function (event) {
      if (sending || typeof fetch !== 'function') return;
      event.preventDefault();
      sending = true;
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
      var work = [];
      form.querySelectorAll('input[type=file]').forEach(function (input) {
        data.delete(input.name);
        Array.prototype.forEach.call(input.files, function (file) {
          work.push(shrink(file, side).then(function (small) { data.append(input.name, small, small.name); }));
        });
      });
      form.classList.add('sending');
      Promise.all(work)
        .then(function () { return fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin' }); })
        .then(function (response) {
          if (response.redirected) { window.location.assign(response.url); return; }
          return response.text().then(function (html) {
            document.open();
            document.write(html);
            document.close();
          });
        })
        .catch(function () { form.submit(); });
    });
  }

  document.querySelectorAll('form[data-downscale]').forEach(watch);
})();
